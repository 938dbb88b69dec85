# shellcheck shell=bash
# Project-local Python virtualenvs for the test scripts (fuzz.sh, clients-test.sh). Source it.
#
#   python_venv DIR   makes a virtualenv in DIR unless one is there; installs python3-venv with
#                     apt-get first when python3 cannot (as root), else says what to install.
#
# The caller may define log().

declare -F log >/dev/null || log() { printf '%s\n' "python-venv: $*" >&2; }

python_venv() {
	local dir=$1
	[[ -x $dir/bin/python ]] && return 0
	log "creating $dir"
	if python3 -m venv "$dir" >&2; then
		return 0
	fi
	rm -rf "$dir"
	if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		log "installing python3-venv"
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >&2
		python3 -m venv "$dir" >&2
	else
		log "python3 cannot make a virtualenv: install python3-venv"
		return 1
	fi
}
