# NOZZLE_STATIC_RELEASE: the portable artifact (scripts/package). It runs on Cloud Foundry's
# cflinuxfs4 and on Jammy stemcells (glibc 2.35) with nothing installed beside it:
#
#   libstdc++, libgcc     static (-static-libstdc++ -static-libgcc)
#   OpenSSL, protobuf     static: Debian ships libssl.a, libcrypto.a, libprotobuf.a
#   zlib                  static (libz.a), for protobuf
#   fmt                   header-only: Debian ships no libfmt.a; --as-needed drops libfmt.so
#   libcurl               not linked: Debian's libcurl.a needs GSSAPI (krb5) and, through
#                         libldap and librtmp, GnuTLS with p11-kit, of which Debian ships no
#                         static archives; the cfapi HTTP client is built on Beast instead
#                         (src/cfapi/http_client_beast.cc)
#   glibc                 dynamic (libc, libm, ld-linux); test/package/check_artifact checks
#                         that no symbol version newer than GLIBC_2.35 is needed (arc4random,
#                         2.36, is defined by the binary itself: below)
#
# Included by the top-level CMakeLists.txt before any find_package, so that every library is
# found as its static archive.
if(NOZZLE_SANITIZE OR NOZZLE_TSAN OR NOZZLE_UNIT_ONLY)
  message(FATAL_ERROR "NOZZLE_STATIC_RELEASE builds the release binary only; no sanitizers, not unit-only")
endif()

set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
set(OPENSSL_USE_STATIC_LIBS TRUE)
set(Protobuf_USE_STATIC_LIBS ON)
set(ZLIB_USE_STATIC_LIBS ON)
add_compile_definitions(FMT_HEADER_ONLY=1)
# --exclude-libs keeps the archives' symbols (OpenSSL's above all) out of the dynamic symbol
# table, so nothing loaded later (NSS modules through getaddrinfo) can bind to them.
add_link_options(-static-libstdc++ -static-libgcc -Wl,--as-needed -Wl,--exclude-libs,ALL)

# Debian 12's libstdc++.a calls arc4random (GLIBC_2.36) in std::random_device: the binary gets
# its own definition on getrandom (src/core/glibc_compat.cc). Added once every target exists.
function(nozzle_static_release_compat)
  target_sources(syslog-nozzle PRIVATE ${PROJECT_SOURCE_DIR}/src/core/glibc_compat.cc)
endfunction()
cmake_language(DEFER CALL nozzle_static_release_compat)
