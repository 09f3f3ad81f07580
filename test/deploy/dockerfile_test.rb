# There is no container engine in CI (scripts/check-container builds and runs the image where
# one works): this reads the Dockerfile and checks that
# - the build stage is Debian 12 and runs scripts/setup (as CI does: .ci/run -> scripts/test ->
#   scripts/setup) and then scripts/package, which builds and checks the artifact;
# - the nozzle is built once: setup runs with NOZZLE_SETUP_ONLY=build-packages, and setup run
#   so (here, with cmake, apt-get and sudo replaced by stubs that record a call) installs
#   nothing it need not and builds nothing;
# - the runtime stage takes from the build stage only dist/syslog-nozzle (the file that
#   test/package/check_artifact proved) and the CA bundle (data), installs no package, runs as
#   a non-root user, has the artifact as its entrypoint and exposes the stats port it sets.
# - given the nozzle binary: the image's HEALTHCHECK command, run on this host against
#   `syslog-nozzle --demo` with the image's ENV (on a free port instead of 8080), fails before
#   the nozzle listens and succeeds once it runs, which is what scripts/check-container sees.
#
#   ruby dockerfile_test.rb SOURCE_DIR [SYSLOG_NOZZLE]
SOURCE_DIR = ARGV.fetch(0) { abort 'usage: dockerfile_test.rb SOURCE_DIR [SYSLOG_NOZZLE]' }
NOZZLE = ARGV[1]

def fail!(message)
  warn "dockerfile_test: FAIL: #{message}"
  exit 1
end

def read(path) = File.read(File.join(SOURCE_DIR, path))

# Instructions, with continuation lines joined and comments dropped.
lines = read('Dockerfile').gsub(/\\\n/, ' ').lines.map(&:strip).reject { |l| l.empty? || l.start_with?('#') }
stages = []
lines.each do |line|
  keyword, rest = line.split(/\s+/, 2)
  keyword = keyword.upcase
  if keyword == 'FROM'
    image, _as, name = rest.split(/\s+/)
    stages << { image: image, name: name, steps: [] }
  else
    fail!("#{keyword} before FROM") if stages.empty?
    stages.last[:steps] << [keyword, rest.to_s]
  end
end
fail!("two stages expected, found #{stages.size}") unless stages.size == 2
build, runtime = stages

# CI's chain: .ci/run runs scripts/test, which runs scripts/setup first.
fail!('.ci/run no longer runs scripts/test') unless read('.ci/run').match?(%r{^exec scripts/test\b})
fail!('scripts/test no longer runs scripts/setup') unless read('scripts/test').match?(%r{^scripts/setup\b})

fail!("build stage is #{build[:image]}, not Debian 12") unless build[:image].match?(/\Adebian:(12|bookworm)\b/)
runs = build[:steps].select { |k, _| k == 'RUN' }.map(&:last).join(' && ')
setup_at = runs.index('scripts/setup') or fail!('the build stage does not run scripts/setup')
package_at = runs.index('scripts/package') or fail!('the build stage does not run scripts/package')
fail!('scripts/package runs before scripts/setup') unless setup_at < package_at
fail!('the build stage installs packages of its own') if runs.match?(/apt-get|apt |dpkg -i/)

# One build: setup installs the build's packages and stops; scripts/package builds the artifact.
setup_run = runs[/(?:\S+=\S+\s+)*scripts\/setup/]
fail!("the build stage runs `#{setup_run}`: without NOZZLE_SETUP_ONLY=build-packages setup builds build/, which the image never uses") unless
  setup_run.include?('NOZZLE_SETUP_ONLY=build-packages')
fail!("the build stage runs `#{setup_run}`: NOZZLE_TARGETS makes setup build") if setup_run.include?('NOZZLE_TARGETS')
require 'tmpdir'
require 'open3'
Dir.mktmpdir('dockerfile-test') do |stubs|
  log = File.join(stubs, 'calls')
  %w[cmake ninja apt-get sudo].each do |tool|
    File.write(File.join(stubs, tool), "#!/bin/sh\necho \"#{tool} $*\" >> '#{log}'\nexit 1\n")
    File.chmod(0o755, File.join(stubs, tool))
  end
  env = { 'PATH' => "#{stubs}:#{ENV.fetch('PATH')}", 'NOZZLE_SETUP_ONLY' => 'build-packages' }
  out, status = Open3.capture2e(env, 'bash', File.join(SOURCE_DIR, 'scripts', 'setup'))
  calls = File.exist?(log) ? File.read(log) : ''
  fail!("NOZZLE_SETUP_ONLY=build-packages scripts/setup builds: #{calls}") if calls.match?(/^(cmake|ninja) /)
  fail!("NOZZLE_SETUP_ONLY=build-packages scripts/setup wants packages this machine lacks (CI's setup installs them): #{out}") unless calls.empty?
  fail!("NOZZLE_SETUP_ONLY=build-packages scripts/setup exits #{status.exitstatus}: #{out}") unless status.success?
end
fail!('the build stage does not copy the sources') unless build[:steps].include?(['COPY', '. .'])

fail!("runtime stage is #{runtime[:image]}") unless runtime[:image].match?(/\Adebian:(12|bookworm)-slim\z/)
copies = runtime[:steps].select { |k, _| k == 'COPY' }.map(&:last)
from_build = copies.map do |args|
  parts = args.split(/\s+/)
  from = parts.find { |p| p.start_with?('--from=') } or fail!("runtime COPY not from the build stage: #{args}")
  fail!("runtime COPY from #{from}") unless from == "--from=#{build[:name]}"
  sources = parts.reject { |p| p.start_with?('--') }
  [sources[0..-2], sources.last]
end
allowed = { '/src/dist/syslog-nozzle' => '/usr/local/bin/syslog-nozzle',
            '/etc/ssl/certs/ca-certificates.crt' => '/etc/ssl/certs/ca-certificates.crt' }
got = from_build.flat_map { |sources, dest| sources.map { |s| [s, dest] } }.to_h
fail!("runtime stage copies #{got}, expected exactly #{allowed}") unless got == allowed
build_workdir = build[:steps].find { |k, _| k == 'WORKDIR' }&.last
fail!("build WORKDIR #{build_workdir}: /src/dist/syslog-nozzle is not scripts/package's output") unless build_workdir == '/src'
fail!('scripts/package no longer writes dist/syslog-nozzle') unless read('scripts/package').include?('dist/syslog-nozzle')
fail!('scripts/package no longer checks the artifact') unless read('scripts/package').include?('test/package/check_artifact dist/syslog-nozzle')

runtime_runs = runtime[:steps].select { |k, _| k == 'RUN' }.map(&:last)
fail!("the runtime stage installs packages: #{runtime_runs}") if runtime_runs.any? { |r| r.match?(/apt|dpkg/) }
user = runtime[:steps].reverse.find { |k, _| k == 'USER' }&.last or fail!('no USER: the nozzle would run as root')
fail!("USER #{user} is root") if user.match?(/\A(root|0)(:|\z)/)
entry = runtime[:steps].find { |k, _| k == 'ENTRYPOINT' }&.last
fail!("ENTRYPOINT #{entry}") unless entry == '["/usr/local/bin/syslog-nozzle"]'
env = runtime[:steps].select { |k, _| k == 'ENV' }.map(&:last).join(' ')
port = env[/STATS_ADDRESS=[^\s:]*:(\d+)/, 1] or fail!('STATS_ADDRESS not set')
fail!('ENABLE_STATS_SERVER not on') unless env.include?('ENABLE_STATS_SERVER=true')
expose = runtime[:steps].find { |k, _| k == 'EXPOSE' }&.last
fail!("EXPOSE #{expose}, STATS_ADDRESS port #{port}") unless expose == port
health = runtime[:steps].find { |k, _| k == 'HEALTHCHECK' }&.last.to_s
fail!('HEALTHCHECK does not ask /health on the stats port') unless health.include?("/dev/tcp/127.0.0.1/#{port}") && health.include?('/health')

if NOZZLE
  require 'json'
  require 'socket'
  argv = JSON.parse(health[/CMD\s+(\[.*\])\s*\z/, 1].to_s) rescue fail!("HEALTHCHECK CMD is not a JSON array: #{health}")
  free = TCPServer.new('127.0.0.1', 0)
  free_port = free.addr[1]
  free.close
  argv = argv.map { |a| a.gsub("/dev/tcp/127.0.0.1/#{port}", "/dev/tcp/127.0.0.1/#{free_port}") }
  healthy = -> { system(*argv, out: File::NULL, err: File::NULL) }
  fail!('the health check succeeds with nothing listening') if healthy.call
  image_env = env.scan(/(\w+)=(\S+)/).to_h
  Dir.mktmpdir('dockerfile-health') do |dir|
    run_env = image_env.merge('STATS_ADDRESS' => "127.0.0.1:#{free_port}", 'CACHE_FILE' => File.join(dir, 'app-cache'))
    run_env.delete('SSL_CERT_FILE') unless File.exist?(run_env['SSL_CERT_FILE'].to_s)
    log = File.join(dir, 'stderr')
    pid = spawn(run_env, NOZZLE, '--demo', out: File::NULL, err: log)
    ok = false
    300.times do
      break if (ok = healthy.call)
      break if Process.wait(pid, Process::WNOHANG)
      sleep 0.1
    end
    Process.kill('TERM', pid) rescue nil
    _, status = Process.wait2(pid) rescue [nil, nil]
    fail!("the image's health check never passed against --demo on 127.0.0.1:#{free_port}: #{File.read(log)[-2000..] || File.read(log)}") unless ok
    fail!("--demo exited #{status&.exitstatus} after SIGTERM: #{File.read(log)[-2000..]}") unless status&.exitstatus == 0
  end
end

ignore = read('.dockerignore').lines.map(&:strip)
%w[build build-* dist .git].each { |p| fail!(".dockerignore lacks #{p}") unless ignore.include?(p) }
puts "dockerfile_test: ok (build: #{build[:image]}, setup only installs, package builds; runtime: #{runtime[:image]}, " \
     "#{got.size} files, user #{user}#{NOZZLE ? ', health check passes against --demo' : ''})"
