# Sourced by the scripts that install Debian packages.

# apt_install_quietly installs the packages named without starting their
# services: a policy-rc.d that denies every start while apt runs (only if
# none exists), and RUNLEVEL=1. With no package named it does nothing.
apt_install_quietly() {
	[ $# -eq 0 ] && return 0
	echo "== installing $* (services not started)"
	local made_policy=""
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && made_policy=1
	fi
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -q --no-install-recommends "$@"
	[ -n "$made_policy" ] && rm -f /usr/sbin/policy-rc.d
	return 0
}
