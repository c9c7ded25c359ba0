# Loaded into `puppet apply` at build time (install.d/80-puppet-apply, through RUBYOPT). Puppet's systemd
# service provider is only functional when /proc/1/comm names systemd; in the build's sandbox no
# systemd runs, yet `systemctl enable/disable/is-enabled` work on the tree's unit files. This makes
# the provider usable for `enable => true|false`; starting or stopping a service still fails, as
# nothing runs at build time.
require 'puppet'

module KilnOfflineSystemd
  PID1_COMM = '/proc/1/comm'

  def exist?(path)
    path.to_s == PID1_COMM || super
  end

  def read(path, *args, **opts)
    path.to_s == PID1_COMM ? "systemd\n" : super
  end
end
Puppet::FileSystem.singleton_class.prepend(KilnOfflineSystemd)
