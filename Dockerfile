# syslog-nozzle container image (README "Deploying: container").
#
#   docker build -t syslog-nozzle .          (podman: podman build --format docker -t syslog-nozzle .)
#   docker run --rm -p 8080:8080 -e API_ENDPOINT=... -e FIREHOSE_CLIENT_ID=... \
#     -e FIREHOSE_CLIENT_SECRET=... -e DRAINS=... syslog-nozzle
#
# Configured by the environment variables of `syslog-nozzle --help`. test/deploy/dockerfile_test
# checks that the build stage runs the scripts CI runs and that the runtime stage holds only
# the artifact that scripts/package checks (and the CA bundle, which is data);
# scripts/check-container builds the image and runs it, where podman or docker works.

# --- build: Debian 12, the packages of scripts/setup, then scripts/package ---
FROM debian:12 AS build
WORKDIR /src
COPY . .
# The nozzle is built once, by scripts/package (preset release, the one target it ships):
# setup only installs the Debian packages that build needs (NOZZLE_SETUP_ONLY=build-packages),
# without the test receivers and linters and without building build/.
RUN NOZZLE_SETUP_ONLY=build-packages scripts/setup \
 && scripts/package

# --- runtime: the artifact alone ---
FROM debian:12-slim
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/dist/syslog-nozzle /usr/local/bin/syslog-nozzle
RUN useradd --system --user-group --uid 10001 --home-dir /var/lib/syslog-nozzle --create-home nozzle
USER 10001:10001
WORKDIR /var/lib/syslog-nozzle
# The stats server answers the health check; the app cache snapshot lives in the home
# directory (mount a volume there to keep it across containers); SHUTDOWN_TIMEOUT stays under
# the 10 s that `docker stop` waits before SIGKILL.
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    ENABLE_STATS_SERVER=true \
    STATS_ADDRESS=0.0.0.0:8080 \
    CACHE_FILE=/var/lib/syslog-nozzle/app-cache \
    SHUTDOWN_TIMEOUT=8s
EXPOSE 8080
# No curl in the slim image: bash's /dev/tcp asks /health (200 while the firehose is connected
# and no drain has been down longer than HEALTH_DRAIN_DOWN).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /health HTTP/1.0\\r\\n\\r\\n' >&3 && head -n1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["/usr/local/bin/syslog-nozzle"]
