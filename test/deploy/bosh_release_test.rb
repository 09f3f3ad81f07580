# Reads bosh-release/ the way `bosh create-release` reads a release directory, and the README's
# BOSH steps the way a shell runs them, without the bosh CLI (there is none here). What the CLI
# does, from its sources (cloudfoundry/bosh-cli):
#
# - release/pkg/dir_reader.go: each `files:` pattern of a package spec must match a file below
#   `src/` or `blobs/` ("Missing files for pattern"), and before it looks at any match it
#   resolves `src/` itself, so a release without that folder fails with
#   "lstat .../src: no such file or directory" even when every file is a blob. git keeps no
#   empty folder: `src/` must hold a tracked file.
# - releasedir/fs_blobs_dir.go: `bosh add-blob SRC DEST` copies SRC to blobs/DEST and records
#   DEST in config/blobs.yml; a fresh clone has only config/blobs.yml, so a package's blob is
#   either recorded there or added by the README's step.
# - release/job/dir_reader.go: a job's folder is named as its spec, and every template the
#   spec lists is a file below templates/.
# - releasedir/git_repo.go: create-release refuses a git tree with local modifications unless
#   --force; add-blob itself modifies config/blobs.yml.
#
# Beyond what the CLI checks, the job's properties and templates must agree (each property a
# template reads is declared, each declared property is read), and the sample deployment must
# only set declared properties and leave no ((variable)) without a value.
#
#   ruby bosh_release_test.rb SOURCE_DIR
require 'open3'
require 'shellwords'
require 'yaml'

ROOT = ARGV[0] or abort 'usage: bosh_release_test.rb SOURCE_DIR'
REL = File.join(ROOT, 'bosh-release')
PROBLEMS = []

def problem(message) = PROBLEMS << message
def rel(path) = path.delete_prefix("#{ROOT}/")

def yaml_file(path)
  YAML.safe_load(File.read(path), aliases: false)
rescue Errno::ENOENT
  problem("#{rel(path)} is missing")
  nil
rescue Psych::Exception => e
  problem("#{rel(path)} is not YAML: #{e.message}")
  nil
end

# --- The release folder -------------------------------------------------------------------
%w[config jobs packages src].each do |dir|
  problem("bosh-release/#{dir}/ is missing") unless File.directory?(File.join(REL, dir))
end
final = yaml_file(File.join(REL, 'config', 'final.yml')) || {}
release_name = final['name'].to_s
problem('config/final.yml names no release') if release_name.empty?
blobs = yaml_file(File.join(REL, 'config', 'blobs.yml'))
problem('config/blobs.yml is not a map of blob paths') unless blobs.is_a?(Hash)
blobs = {} unless blobs.is_a?(Hash)

# src/ exists in a fresh clone only if git tracks a file below it, and no .gitignore hides it.
git_dir, git_status = Open3.capture2e('git', '-C', ROOT, 'rev-parse', '--show-toplevel')
if git_status.success? && File.realpath(git_dir.strip) == File.realpath(ROOT)
  tracked, = Open3.capture2('git', '-C', ROOT, 'ls-files', '--', 'bosh-release/src')
  if tracked.strip.empty?
    problem('git tracks no file in bosh-release/src/: a clone has no src/ folder, and `bosh create-release` fails')
  else
    tracked.lines.map(&:strip).each do |file|
      _, ignored = Open3.capture2e('git', '-C', ROOT, 'check-ignore', '-q', '--no-index', file)
      problem("#{file} is matched by a .gitignore") if ignored.success?
    end
  end
else
  puts 'bosh_release_test: not a git work tree, the tracked-file check of src/ is skipped'
end

# --- The README's BOSH steps --------------------------------------------------------------
readme = File.read(File.join(ROOT, 'README.md'))
section = readme[/^### BOSH\n(.*?)(?=^#{'#'}{2,3} )/m, 1] or (problem('README has no "### BOSH" section') && '')
block = section[/```sh\n(.*?)```/m, 1] or (problem('README "BOSH" has no ```sh block') && '')
commands = block.gsub(/\\\n\s*/, ' ').lines.map { |l| l.sub(/\s+#.*\z/, '').strip }.reject(&:empty?)
cwd = ROOT
added_blobs = {}    # DEST => SRC (absolute) of each `bosh add-blob`
deploys = []
create_release = nil
commands.each do |command|
  words = Shellwords.split(command)
  # `a && b` runs both, in order.
  words.slice_when { |_, b| b == '&&' }.map { |ws| ws.reject { |w| w == '&&' } }.each do |argv|
    case argv
    in ['cd', dir]
      cwd = File.expand_path(dir, cwd)
      problem("README: `cd #{dir}`: no such folder") unless File.directory?(cwd)
    in [%r{\Ascripts/} => script, *]
      problem("README: #{script} does not exist (run from #{rel(cwd)})") unless File.executable?(File.join(cwd, script))
    in ['bosh', 'add-blob', src, dest]
      problem('README: `bosh add-blob` runs outside the release folder') unless cwd == REL
      added_blobs[dest] = File.expand_path(src, cwd)
    in ['bosh', 'create-release', *opts]
      problem('README: `bosh create-release` runs outside the release folder') unless cwd == REL
      create_release = opts
    in ['bosh', '-d', name, 'deploy', manifest, *opts]
      deploys << { name: name, manifest: File.expand_path(manifest, cwd), opts: opts }
    in ['bosh', *]
      nil
    else
      problem("README: a BOSH step this test does not know: #{argv.join(' ')}")
    end
  end
end

# The blob is the tarball scripts/package makes: dist/syslog-nozzle-VERSION-linux-amd64.tar.gz.
version = File.read(File.join(ROOT, 'CMakeLists.txt'))[/project\(\w+\s+VERSION\s+([0-9.]+)/, 1]
package_script = File.read(File.join(ROOT, 'scripts', 'package'))
problem('scripts/package no longer writes dist/syslog-nozzle-VERSION-linux-amd64.tar.gz') unless
  package_script.include?('tarball="dist/syslog-nozzle-${version##* }-linux-amd64.tar.gz"')
artifact = File.join(ROOT, 'dist', "syslog-nozzle-#{version}-linux-amd64.tar.gz")
problem('README: no `bosh add-blob` step, and config/blobs.yml records no blob') if added_blobs.empty? && blobs.empty?
added_blobs.each do |dest, src|
  problem("README: `bosh add-blob` adds #{rel(src)}; scripts/package writes #{rel(artifact)}") unless src == artifact
  problem("README: the blob #{dest} is not named as its file #{File.basename(src)}") unless File.basename(dest) == File.basename(src)
end
if create_release.nil?
  problem('README: no `bosh create-release` step')
elsif git_status.success? && !create_release.include?('--force')
  problem('README: `bosh create-release` without --force refuses the tree that `bosh add-blob` has modified')
end

# --- Packages -----------------------------------------------------------------------------
packages = {}
Dir.glob(File.join(REL, 'packages', '*')).select { |d| File.directory?(d) }.sort.each do |dir|
  spec = yaml_file(File.join(dir, 'spec')) or next
  name = spec['name'].to_s
  problem("packages/#{File.basename(dir)}: the spec names it '#{name}'") unless name == File.basename(dir)
  packages[name] = spec
  packaging = File.join(dir, 'packaging')
  if File.file?(packaging)
    out, ok = Open3.capture2e('bash', '-n', packaging)
    problem("packages/#{name}/packaging is not valid bash: #{out}") unless ok.success?
  else
    problem("packages/#{name}/packaging is missing")
  end
  Array(spec['dependencies']).each do |dep|
    problem("packages/#{name} depends on '#{dep}', which is no package") unless File.directory?(File.join(REL, 'packages', dep.to_s))
  end
  files = Array(spec['files'])
  problem("packages/#{name} has no files") if files.empty?
  files.each do |glob|
    from_src = Dir.glob(File.join(REL, 'src', glob)).select { |f| File.file?(f) }
    from_blobs = (blobs.keys + added_blobs.keys).select { |b| File.fnmatch(glob, b, File::FNM_PATHNAME | File::FNM_EXTGLOB) }
    if from_src.empty? && from_blobs.empty?
      problem("packages/#{name}: files pattern '#{glob}' matches nothing in src/, config/blobs.yml or the README's `bosh add-blob`")
    end
    %w[packaging pre_packaging].each do |special|
      problem("packages/#{name}: files pattern '#{glob}' takes its #{special}") if File.fnmatch(glob, special, File::FNM_PATHNAME)
    end
  end
end
problem('bosh-release has no package') if packages.empty?
(blobs.keys + added_blobs.keys).uniq.each do |blob|
  used = packages.values.any? { |s| Array(s['files']).any? { |g| File.fnmatch(g, blob, File::FNM_PATHNAME | File::FNM_EXTGLOB) } }
  problem("the blob #{blob} is in no package's files") unless used
end

# --- Jobs ---------------------------------------------------------------------------------
jobs = {}
Dir.glob(File.join(REL, 'jobs', '*')).select { |d| File.directory?(d) }.sort.each do |dir|
  spec = yaml_file(File.join(dir, 'spec')) or next
  name = spec['name'].to_s
  problem("jobs/#{File.basename(dir)}: the spec names it '#{name}' (bosh: the folder must match)") unless name == File.basename(dir)
  jobs[name] = spec
  problem("jobs/#{name}/monit is missing") unless File.file?(File.join(dir, 'monit'))
  templates = spec['templates'] || {}
  templates.each_key do |source|
    problem("jobs/#{name}: template #{source} is not a file in templates/") unless File.file?(File.join(dir, 'templates', source))
  end
  on_disk = Dir.glob('**/*', base: File.join(dir, 'templates')).select { |f| File.file?(File.join(dir, 'templates', f)) }
  (on_disk - templates.keys).each { |f| problem("jobs/#{name}: templates/#{f} is not in the spec's templates") }
  Array(spec['packages']).each do |pkg|
    problem("jobs/#{name} needs package '#{pkg}', which the release does not have") unless packages.key?(pkg)
  end

  # Properties and templates agree: every property name a template mentions is declared, and
  # every declared property is read by some template. Names are found as string literals in
  # the property namespace, so p('a'), if_p('a', 'b') and helper calls all count.
  declared = (spec['properties'] || {}).keys
  namespaces = declared.map { |p| p.split('.').first }.uniq
  read = {}
  templates.each_key do |source|
    path = File.join(dir, 'templates', source)
    next unless File.file?(path)
    File.read(path).scan(/['"]((?:#{namespaces.map { |n| Regexp.escape(n) }.join('|')})\.[A-Za-z0-9_.]+)['"]/) do |(prop)|
      (read[prop] ||= []) << source
    end
  end
  (read.keys - declared).each { |p| problem("jobs/#{name}: #{read[p].uniq.join(', ')} read #{p}, which the spec does not declare") }
  (declared - read.keys).each { |p| problem("jobs/#{name}: the spec declares #{p}, which no template reads") }

  # monit starts the process bpm.yml names, and bpm runs a binary of one of the job's packages.
  bpm = File.join(dir, 'templates', 'bpm.yml.erb')
  if File.file?(bpm)
    bpm_text = File.read(bpm)
    process = bpm_text[/^- name: (\S+)/, 1]
    monit = File.read(File.join(dir, 'monit')) rescue ''
    problem("jobs/#{name}/monit does not start bpm's process #{process}") unless
      monit.include?("bpm start #{name}") && monit.include?("/var/vcap/sys/run/bpm/#{name}/#{process}.pid")
    exe_pkg = bpm_text[%r{executable: /var/vcap/packages/([^/\s]+)/}, 1]
    problem("jobs/#{name}: bpm runs a binary of package '#{exe_pkg}', not one of the job's") unless
      Array(spec['packages']).include?(exe_pkg)
  end
end
problem('bosh-release has no job') if jobs.empty?

# --- The sample deployment, as the README deploys it ---------------------------------------
def leaves(node, prefix, declared, out)
  node.each do |key, value|
    name = "#{prefix}#{key}"
    if value.is_a?(Hash) && !declared.include?(name)
      leaves(value, "#{name}.", declared, out)
    else
      out << name
    end
  end
  out
end

problem('README: no `bosh -d NAME deploy MANIFEST` step') if deploys.empty?
deploys.each do |deploy|
  manifest = yaml_file(deploy[:manifest]) or next
  problem("README deploys -d #{deploy[:name]}, the manifest's name is #{manifest['name']}") unless manifest['name'] == deploy[:name]
  releases = Array(manifest['releases']).map { |r| r['name'] }
  problem("#{rel(deploy[:manifest])} does not use the release #{release_name}") unless releases.include?(release_name)
  Array(manifest['instance_groups']).each do |group|
    Array(group['jobs']).each do |job|
      problem("#{rel(deploy[:manifest])}: job #{job['name']} names release #{job['release']}, which the manifest lacks") unless
        releases.include?(job['release'])
      next unless job['release'] == release_name
      spec = jobs[job['name']] or (problem("#{rel(deploy[:manifest])}: the release has no job #{job['name']}") && next)
      declared = (spec['properties'] || {}).keys
      leaves(job['properties'] || {}, '', declared, []).each do |prop|
        problem("#{rel(deploy[:manifest])}: #{job['name']} sets #{prop}, which its spec does not declare") unless declared.include?(prop)
      end
    end
  end
  # Every ((variable)) gets a value: from the command line or generated by the director.
  text = File.read(deploy[:manifest]).lines.reject { |l| l.lstrip.start_with?('#') }.join
  wanted = text.scan(/\(\(([A-Za-z0-9_.\/-]+)\)\)/).flatten.map { |v| v.split('.').first }.uniq
  generated = Array(manifest['variables']).map { |v| v['name'] }
  given = []
  deploy[:opts].each_cons(2) { |flag, value| given << value.split('=', 2).first if %w[-v --var --var-file].include?(flag) }
  deploy[:opts].each { |o| given << o[/\A--var(?:-file)?=([^=]+)=/, 1] if o.match?(/\A--var(?:-file)?=/) }
  (wanted - generated - given).each { |v| problem("README's deploy gives no value for ((#{v})) of #{rel(deploy[:manifest])}") }
end

unless PROBLEMS.empty?
  warn "bosh_release_test: FAIL: #{PROBLEMS.size} problem(s):"
  PROBLEMS.each { |p| warn "  - #{p}" }
  exit 1
end
puts "bosh_release_test: ok (release #{release_name}: #{packages.size} package(s), #{jobs.size} job(s), " \
     "#{added_blobs.size + blobs.size} blob(s), #{deploys.size} sample deployment(s))"
