# Every query of deploy/grafana/syslog-nozzle.json is PromQL that Prometheus parses: each panel
# target's expr, with Grafana's variables given values ($__rate_interval: 5m, $instance and
# $drain: .*), becomes a recording rule of a temporary rule file that `promtool check rules`
# reads. (That each queried metric exists on a live nozzle is deploy_metrics_test.cc's part.)
#
#   ruby dashboard_queries_test.rb SOURCE_DIR PROMTOOL
require 'json'
require 'open3'
require 'tmpdir'
require 'yaml'

SOURCE_DIR, PROMTOOL = ARGV
abort 'usage: dashboard_queries_test.rb SOURCE_DIR PROMTOOL' unless SOURCE_DIR && PROMTOOL

def fail!(message)
  warn "dashboard_queries_test: FAIL: #{message}"
  exit 1
end

path = File.join(SOURCE_DIR, 'deploy', 'grafana', 'syslog-nozzle.json')
dashboard = JSON.parse(File.read(path)) rescue fail!("#{path} is not JSON: #{$!.message}")
variables = { '$__rate_interval' => '5m', '$instance' => '.*', '$drain' => '.*' }
known = dashboard.dig('templating', 'list').to_a.map { |v| "$#{v['name']}" } + ['$__rate_interval']
rules = []
dashboard['panels'].each do |panel|
  Array(panel['targets']).each do |target|
    expr = target['expr'].to_s
    fail!("panel '#{panel['title']}' has a target without expr") if expr.empty?
    expr.scan(/\$\w+/).uniq.each do |v|
      fail!("panel '#{panel['title']}' uses #{v}, which the dashboard does not define") unless known.include?(v)
    end
    variables.each { |name, value| expr = expr.gsub(name, value) }
    rules << { 'record' => "dashboard:panel#{panel['id']}:#{target['refId']}", 'expr' => expr, 'title' => panel['title'] }
  end
end
fail!('the dashboard has no queries') if rules.empty?

Dir.mktmpdir('dashboard-queries') do |dir|
  file = File.join(dir, 'queries.yml')
  File.write(file, { 'groups' => [{ 'name' => 'dashboard', 'rules' => rules.map { |r| r.reject { |k, _| k == 'title' } } }] }.to_yaml)
  out, status = Open3.capture2e(PROMTOOL, 'check', 'rules', file)
  unless status.success?
    # Name the panels whose queries promtool refused.
    bad = rules.select { |r| out.include?(r['record']) || out.include?(r['expr']) }.map { |r| "'#{r['title']}': #{r['expr']}" }
    fail!("promtool refuses dashboard queries:\n#{out}#{bad.join("\n")}")
  end
end
puts "dashboard_queries_test: ok (#{rules.size} queries of #{dashboard['panels'].count { |p| p['type'] != 'row' }} panels parse)"
