# Checks manifest.yml (cf push): it parses as YAML, pushes the artifact with the binary
# buildpack, runs two instances on one subscription id with a health check that reaches
# /health, names only settings the nozzle knows (the env vars of `syslog-nozzle --help`) and
# every one of them (set, or shown commented out), and `syslog-nozzle --check-config` accepts
# what it sets.
#
#   ruby manifest_test.rb MANIFEST SYSLOG_NOZZLE_BINARY
require 'open3'
require 'tmpdir'
require 'yaml'

MANIFEST, NOZZLE = ARGV
abort 'usage: manifest_test.rb MANIFEST SYSLOG_NOZZLE_BINARY' unless MANIFEST && NOZZLE

def fail!(message)
  warn "manifest_test: FAIL: #{message}"
  exit 1
end

help, status = Open3.capture2e(NOZZLE, '--help')
fail!("--help exited #{status.exitstatus}") unless status.success?
known = help.scan(/\(Env:([A-Z0-9_]+)\)/).flatten.uniq
fail!("--help names too few env vars: #{known}") if known.size < 30

text = File.read(MANIFEST)
manifest = YAML.safe_load(text)
apps = manifest.fetch('applications')
fail!('one application expected') unless apps.size == 1
app = apps.first
checks = {
  'path is dist (scripts/package)' => app['path'] == 'dist',
  'binary buildpack' => app['buildpacks'] == ['binary_buildpack'],
  'command runs the artifact' => app['command'] == './syslog-nozzle',
  'two instances' => app['instances'] == 2,
  'memory set' => app['memory'].to_s.match?(/\A\d+[MG]\z/),
  'health check' => (app['health-check-type'] == 'http' && app['health-check-http-endpoint'] == '/health') ||
                    app['health-check-type'] == 'process',
}
checks.each { |what, ok| fail!(what) unless ok }

env = app.fetch('env')
# Settings shown commented out inside the env block: "    # NAME: value".
env_block = text[/^\s+env:\n(.*)\z/m, 1] or fail!('no env block')
commented = env_block.scan(/^\s+#\s*([A-Z][A-Z0-9_]+):/).flatten
unknown = (env.keys + commented) - known
fail!("settings the nozzle does not know: #{unknown.join(', ')}") unless unknown.empty?
missing = known - env.keys - commented
fail!("settings of the nozzle missing from the manifest: #{missing.join(', ')}") unless missing.empty?
fail!('FIREHOSE_SUBSCRIPTION_ID must be set, so that the instances share it') if env['FIREHOSE_SUBSCRIPTION_ID'].to_s.empty?
env.each { |name, value| fail!("#{name}: no comment") unless text.match?(/^\s+#{name}: .*#/) }

# cf push --var ...: the values a user gives; then the nozzle must accept the whole set.
vars = { 'api_endpoint' => 'https://api.sys.example.com', 'client_secret' => 'secret',
         'drains' => 'syslog-tls://logs.example.com:6514,syslog://10.0.0.7:514' }
used = env.values.map(&:to_s).join(' ').scan(/\(\(([a-z_]+)\)\)/).flatten.uniq
fail!("vars without a sample value here: #{used - vars.keys}") unless (used - vars.keys).empty?
Dir.mktmpdir('manifest') do |tmp|
  run_env = env.transform_values { |v| v.to_s.gsub(/\(\(([a-z_]+)\)\)/) { vars.fetch(Regexp.last_match(1)) } }
  run_env['CACHE_FILE'] = File.join(tmp, 'app-cache')
  run_env['PORT'] = '8080'  # Cloud Foundry sets it
  out, status = Open3.capture2e({ 'PATH' => '/usr/bin:/bin' }.merge(run_env), NOZZLE, '--check-config',
                                unsetenv_others: true)
  fail!("--check-config exited #{status.exitstatus}:\n#{out}") unless status.success?
  # The http health check connects to the container's address on $PORT: /health is served
  # whatever ENABLE_STATS_SERVER says, on 0.0.0.0:$PORT unless STATS_ADDRESS names another host.
  if app['health-check-type'] == 'http'
    fail!("the health check's /health is not on 0.0.0.0:$PORT:\n#{out}") unless out.include?('http 0.0.0.0:8080: /health')
  end
end
puts "manifest_test: ok (#{env.size} settings set, #{commented.size} shown commented, of #{known.size} the nozzle knows)"
