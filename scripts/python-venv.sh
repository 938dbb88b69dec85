# shellcheck shell=bash
# Project-local Python virtualenvs for the test scripts (fuzz.sh, clients-test.sh). Source it.
#
#   python_venv DIR   makes a virtualenv in DIR unless one is there; installs python3-venv with
#                     apt-get first when python3 cannot (as root), else says what to install.
#   python_tools DIR REQUIREMENTS
#                     python_venv DIR, then pip installs REQUIREMENTS into it, unless it already
#                     holds what that file pins (a checksum stamp in DIR).
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

python_tools() {
	local dir=$1 requirements=$2 want
	want=$(sha256sum "$requirements" | cut -d' ' -f1)
	[[ $(cat "$dir/.newsdesk-stamp" 2>/dev/null) == "$want" ]] && return 0
	python_venv "$dir" || return 1
	log "installing $requirements into $dir"
	"$dir/bin/python" -m pip install -q --disable-pip-version-check -r "$requirements" >&2 || return 1
	echo "$want" >"$dir/.newsdesk-stamp"
}
