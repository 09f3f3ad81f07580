# Renders every template of bosh-release/jobs/syslog-nozzle with Ruby's ERB, as the BOSH
# director does, against two property sets: the spec's defaults (plus the properties that have
# none and must be given) and every property set. A small stand-in for BOSH's p() and if_p()
# refuses a property the spec does not declare. The rendered bpm.yml's environment, with the
# rendered certificate files, then goes to `syslog-nozzle --check-config`, which must accept it.
#
#   ruby bosh_render_test.rb RELEASE_DIR SYSLOG_NOZZLE_BINARY
require 'erb'
require 'fileutils'
require 'open3'
require 'tmpdir'
require 'yaml'

RELEASE_DIR, NOZZLE = ARGV
abort 'usage: bosh_render_test.rb RELEASE_DIR SYSLOG_NOZZLE_BINARY' unless RELEASE_DIR && NOZZLE
JOB_DIR = File.join(RELEASE_DIR, 'jobs', 'syslog-nozzle')
JOB_PATH = '/var/vcap/jobs/syslog-nozzle'

def fail!(message)
  warn "bosh_render_test: FAIL: #{message}"
  exit 1
end

# The part of BOSH's template context the templates may use: p, if_p, spec.
class RenderContext
  UNSET = Object.new

  Spec = Struct.new(:name, :id, :index, :az, :deployment, :address, :ip, :bootstrap)

  def initialize(declared, properties)
    @declared = declared
    @properties = properties
    @spec = Spec.new('syslog-nozzle', 'b4e1c7d2', 0, 'z1', 'syslog-nozzle', '10.0.0.5', '10.0.0.5', true)
  end

  attr_reader :spec

  def p(name, default = UNSET)
    fail!("template reads #{name}, which the spec does not declare") unless @declared.key?(name)
    found, value = lookup(name)
    return value if found
    return default unless default.equal?(UNSET)
    raise ArgumentError, "Can't find property '#{name}'"
  end

  def if_p(*names)
    values = names.map do |name|
      fail!("template reads #{name}, which the spec does not declare") unless @declared.key?(name)
      found, value = lookup(name)
      return ActiveElseBlock.new(false) unless found
      value
    end
    yield(*values)
    ActiveElseBlock.new(true)
  end

  def get_binding = binding

  private

  # A property is found when it is set or the spec gives it a default (BOSH's rule).
  def lookup(name)
    node = @properties
    name.split('.').each do |part|
      unless node.is_a?(Hash) && node.key?(part)
        spec = @declared[name] || {}
        return spec.key?('default') ? [true, spec['default']] : [false, nil]
      end
      node = node[part]
    end
    [true, node]
  end
end

# if_p(...) { }.else { } as BOSH has it.
class ActiveElseBlock
  def initialize(taken) = @taken = taken
  def else
    yield unless @taken
  end
end

def render_job(spec, properties, out_dir)
  declared = spec.fetch('properties')
  templates = spec.fetch('templates')
  on_disk = Dir.glob('**/*', base: File.join(JOB_DIR, 'templates')).select { |f| File.file?(File.join(JOB_DIR, 'templates', f)) }
  fail!("templates not in the spec: #{(on_disk - templates.keys).join(', ')}") unless (on_disk - templates.keys).empty?
  templates.each do |source, target|
    text = File.read(File.join(JOB_DIR, 'templates', source))
    context = RenderContext.new(declared, properties)
    begin
      rendered = ERB.new(text, trim_mode: '-').result(context.get_binding)
    rescue StandardError => e
      fail!("#{source}: #{e.class}: #{e.message}")
    end
    path = File.join(out_dir, target)
    FileUtils.mkdir_p(File.dirname(path))
    File.write(path, rendered)
  end
end

def check_config(name, out_dir)
  bpm = YAML.safe_load(File.read(File.join(out_dir, 'config', 'bpm.yml')))
  process = bpm.fetch('processes').fetch(0)
  fail!("#{name}: bpm executable #{process['executable']}") unless process['executable'] == '/var/vcap/packages/syslog-nozzle/bin/syslog-nozzle'
  env = process.fetch('env')
  fail!("#{name}: env values must be strings") unless env.values.all? { |v| v.is_a?(String) }
  # The files the env names are the rendered ones: map the job's path onto the render directory.
  env = env.transform_values { |v| v.gsub(JOB_PATH, out_dir) }
  env['CACHE_FILE'] = File.join(out_dir, 'app-cache') if env.key?('CACHE_FILE')
  out, status = Open3.capture2e({ 'PATH' => '/usr/bin:/bin' }.merge(env), NOZZLE, '--check-config', unsetenv_others: true)
  fail!("#{name}: syslog-nozzle --check-config exited #{status.exitstatus}:\n#{out}") unless status.success?
  [env, out]
end

spec = YAML.safe_load(File.read(File.join(JOB_DIR, 'spec')))
fail!('the spec names no package syslog-nozzle') unless spec['packages'] == ['syslog-nozzle']
spec['properties'].each do |name, body|
  fail!("#{name} has no description") if body.nil? || body['description'].to_s.strip.empty?
end

# Every property without a default must be given, and is given in both sets.
required = spec['properties'].reject { |_, body| body.key?('default') }.keys
optional_without_default = %w[syslog_nozzle.uaa_username syslog_nozzle.uaa_password
                              syslog_nozzle.doppler_endpoint syslog_nozzle.rlp_endpoint
                              syslog_nozzle.syslog_endpoint]
fail!("properties without a default: #{required.sort}") unless (required - optional_without_default).sort ==
                                                              %w[syslog_nozzle.api_endpoint syslog_nozzle.client_secret]

def nest(flat)
  flat.each_with_object({}) do |(name, value), tree|
    *parents, leaf = name.split('.')
    parents.reduce(tree) { |node, part| node[part] ||= {} }[leaf] = value
  end
end

Dir.mktmpdir('bosh-render') do |tmp|
  # Certificates made at run time: a CA, and a client certificate it signs.
  pki = File.join(tmp, 'pki')
  FileUtils.mkdir_p(pki)
  run = lambda do |*cmd|
    out, status = Open3.capture2e(*cmd)
    fail!("#{cmd.join(' ')}: #{out}") unless status.success?
  end
  run.call('openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2',
           '-subj', '/CN=test-ca', '-keyout', "#{pki}/ca.key", '-out', "#{pki}/ca.pem")
  run.call('openssl', 'req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
           '-subj', '/CN=nozzle-client', '-keyout', "#{pki}/client.key", '-out', "#{pki}/client.csr")
  run.call('openssl', 'x509', '-req', '-in', "#{pki}/client.csr", '-CA', "#{pki}/ca.pem", '-CAkey', "#{pki}/ca.key",
           '-CAcreateserial', '-days', '2', '-out', "#{pki}/client.pem")
  ca = File.read("#{pki}/ca.pem")

  minimal = nest('syslog_nozzle.api_endpoint' => 'https://api.sys.example.com',
                 'syslog_nozzle.client_secret' => 'secret',
                 'syslog_nozzle.drains' => ['syslog-tls://logs.example.com:6514'])
  full = nest(
    'syslog_nozzle.api_endpoint' => 'https://api.sys.example.com',
    'syslog_nozzle.client_id' => 'nozzle',
    'syslog_nozzle.client_secret' => 'secret',
    'syslog_nozzle.uaa_username' => 'admin',
    'syslog_nozzle.uaa_password' => 'admin-password',
    'syslog_nozzle.subscription_id' => 'prod-nozzle',
    'syslog_nozzle.firehose_api' => 'v2',
    'syslog_nozzle.connections' => 4,
    'syslog_nozzle.doppler_endpoint' => 'wss://doppler.sys.example.com:443',
    'syslog_nozzle.rlp_endpoint' => 'https://log-stream.sys.example.com',
    'syslog_nozzle.cf_ca_cert' => ca,
    'syslog_nozzle.skip_ssl_validation' => false,
    'syslog_nozzle.events' => %w[LogMessage HttpStartStop ValueMetric CounterEvent ContainerMetric Error Event],
    'syslog_nozzle.fh_keep_alive' => '30s',
    'syslog_nozzle.firehose_read_gather' => '3ms',
    'syslog_nozzle.min_retry_delay' => '1s',
    'syslog_nozzle.max_retry_delay' => '2m',
    'syslog_nozzle.drains' => ['syslog-tls://logs.example.com:6514?format=cf&events=LogMessage',
                               'syslog://10.0.0.7:514?framing=lf', 'syslog-udp://10.0.0.8:514'],
    'syslog_nozzle.drain_tls.ca' => ca,
    'syslog_nozzle.drain_tls.certificate' => File.read("#{pki}/client.pem"),
    'syslog_nozzle.drain_tls.private_key' => File.read("#{pki}/client.key"),
    'syslog_nozzle.syslog_endpoint' => 'legacy.example.com:6514',
    'syslog_nozzle.syslog_protocol' => 'tcp+tls',
    'syslog_nozzle.skip_ssl_validation_syslog' => false,
    'syslog_nozzle.drain_thread' => 'auto',
    'syslog_nozzle.logs_buffer_size' => 50_000,
    'syslog_nozzle.spool_dir' => '/tmp/syslog-nozzle-bosh-render-test/spool',
    'syslog_nozzle.spool_max_bytes' => '4GiB',
    'syslog_nozzle.spool_fsync' => 'always',
    'syslog_nozzle.delivery' => 'at-least-once',
    'syslog_nozzle.extra_fields' => { 'env' => 'prod', 'foundation' => 'east' },
    'syslog_nozzle.bosh_director' => 'bosh-prod',
    'syslog_nozzle.cache_file' => '/var/vcap/data/syslog-nozzle/cache',
    'syslog_nozzle.cc_pull_time' => '2m',
    'syslog_nozzle.cc_rps' => 20,
    'syslog_nozzle.orgs' => %w[org-a org-b],
    'syslog_nozzle.ignore_missing_apps' => true,
    'syslog_nozzle.missing_apps_ttl' => '10m',
    'syslog_nozzle.strip_app_name_suffixes' => %w[-venerable -blue -green],
    'syslog_nozzle.enrich_wait' => '1s',
    'syslog_nozzle.enrich_hold_bytes' => '64MiB',
    'syslog_nozzle.drop_missing_apps' => true,
    'syslog_nozzle.stats_server.enabled' => true,
    'syslog_nozzle.stats_server.address' => '0.0.0.0:9090',
    'syslog_nozzle.debug' => false,
    'syslog_nozzle.shutdown_timeout' => '15s',
    'syslog_nozzle.health_drain_down' => '2m',
    'syslog_nozzle.log_level' => 'debug',
    'syslog_nozzle.open_files' => 100_000
  )
  # The full set sets every declared property.
  full_names = []
  walk = lambda { |node, prefix| node.each { |k, v| v.is_a?(Hash) && k != 'extra_fields' ? walk.call(v, "#{prefix}#{k}.") : full_names << "#{prefix}#{k}" } }
  walk.call(full, '')
  missing = spec['properties'].keys - full_names
  fail!("the full property set leaves out #{missing.join(', ')}") unless missing.empty?

  { 'defaults' => minimal, 'full' => full }.each do |name, properties|
    out = File.join(tmp, name)
    render_job(spec, properties, out)
    env, summary = check_config(name, out)
    key = File.join(out, 'config', 'certs', 'drain_client.key')
    if name == 'full'
      fail!('full: the drain key was not rendered') unless File.read(key).include?('PRIVATE KEY')
      fail!("full: DRAINS #{env['DRAINS']}") unless env['DRAINS'].include?("key=#{key}") && env['DRAINS'].include?('format=cf&events=LogMessage&ca=')
      fail!('full: EXTRA_FIELDS') unless env['EXTRA_FIELDS'] == 'env:prod,foundation:east'
      fail!('full: limits') unless YAML.safe_load(File.read(File.join(out, 'config', 'bpm.yml')))['processes'][0]['limits']['open_files'] == 100_000
      fail!("full: STATS_ADDRESS #{env['STATS_ADDRESS']}") unless env['STATS_ADDRESS'] == '0.0.0.0:9090'
      fail!("full: ENABLE_STATS_SERVER #{env['ENABLE_STATS_SERVER']}") unless env['ENABLE_STATS_SERVER'] == 'true'
    else
      fail!("defaults: DRAINS #{env['DRAINS']}") unless env['DRAINS'] == 'syslog-tls://logs.example.com:6514'
      fail!('defaults: CF_CA_CERT set without a certificate') if env.key?('CF_CA_CERT')
      # The HTTP server on the VM's own address (the context's spec.ip), never 0.0.0.0, and
      # /metrics and /stats/app off unless enabled.
      fail!("defaults: STATS_ADDRESS #{env['STATS_ADDRESS']}, not the VM's own IP") unless env['STATS_ADDRESS'] == '10.0.0.5:8080'
      fail!("defaults: ENABLE_STATS_SERVER #{env['ENABLE_STATS_SERVER']}") unless env['ENABLE_STATS_SERVER'] == 'false'
    end
    want = name == 'full' ? 'http 0.0.0.0:9090: /health /metrics /stats/app' : 'http 10.0.0.5:8080: /health (/metrics and /stats/app off'
    fail!("#{name}: --check-config says:\n#{summary}") unless summary.include?(want)
    pre_start = File.read(File.join(out, 'bin', 'pre-start'))
    fail!("#{name}: pre-start does not make the certificates 0600") unless pre_start.include?('chmod 0600')
    out_s, status = Open3.capture2e('bash', '-n', File.join(out, 'bin', 'pre-start'))
    fail!("#{name}: pre-start is not valid bash: #{out_s}") unless status.success?
    puts "bosh_render_test: #{name}: #{spec['templates'].size} templates rendered, --check-config accepts #{env.size} settings"
  end

  # A property the spec does not declare is refused.
  bad = File.join(tmp, 'bad.erb')
  File.write(bad, "<%= p('syslog_nozzle.no_such_thing', 1) %>")
  pid = fork do
    $stderr.reopen(File::NULL)
    ERB.new(File.read(bad)).result(RenderContext.new(spec['properties'], minimal).get_binding)
    exit 0
  end
  Process.wait(pid)
  fail!('p() accepted an undeclared property') if $?.success?

  # Neither client secret nor user: the render fails with a clear message.
  begin
    ERB.new(File.read(File.join(JOB_DIR, 'templates', 'bpm.yml.erb')), trim_mode: '-')
       .result(RenderContext.new(spec['properties'], nest('syslog_nozzle.api_endpoint' => 'https://api.x', 'syslog_nozzle.drains' => ['syslog://a:1'])).get_binding)
    fail!('bpm.yml rendered without any UAA credential')
  rescue RuntimeError => e
    fail!("unexpected error #{e.message}") unless e.message.include?('client_secret')
  end
end
puts 'bosh_render_test: ok'
