# Sourced by scripts/check and scripts/demo: install the Debian packages that
# are missing (apt-get update first), the test's npm packages, build execmon.

EXECMON_PKGS="build-essential autoconf automake libtool pkg-config libncurses-dev
libhiredis-dev libwebsockets-dev libwebsockets-evlib-uv libuv1-dev libjansson-dev
protobuf-c-compiler libprotobuf-c-dev zlib1g-dev
redis-server redis-tools tmux python3 python3-jsonschema python3-websockets openssl
python3-celery python3-redis
ncurses-term locales time"

# deps_install: returns non-zero (after saying why) if something can't be installed.
deps_install() {
	local missing="" p
	for p in $EXECMON_PKGS; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	echo "${0##*/}: installing:$missing"
	if [ "$(id -u)" != 0 ]; then
		echo "${0##*/}: need root to install:$missing" >&2
		return 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q >/dev/null || { echo "${0##*/}: apt-get update failed" >&2; return 1; }
	apt-get install -y -q $missing >/dev/null || { echo "${0##*/}: apt-get install failed" >&2; return 1; }
}

# deps_locale: a locale whose decimal point is a comma, so the tests can show
# numbers are read the same whatever the user's locale (skipped without one).
deps_locale() {
	locale -a 2>/dev/null | grep -qi '^de_DE\.utf-\?8$' && return 0
	[ "$(id -u)" = 0 ] || return 0
	localedef -i de_DE -f UTF-8 de_DE.UTF-8 >/dev/null 2>&1 || true
}

# deps_node: node and npm for the BullMQ and OpenTelemetry tests (from Debian
# unless some are there already, e.g. NodeSource's nodejs, which brings its
# own npm), then each test's npm packages, exactly as its package-lock.json
# pins them (tests/bullmq, tests/otel).
deps_node() {
	local d
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		echo "${0##*/}: installing: nodejs npm"
		if [ "$(id -u)" != 0 ]; then
			echo "${0##*/}: need root to install: nodejs npm" >&2
			return 1
		fi
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -q >/dev/null && apt-get install -y -q nodejs npm >/dev/null ||
			{ echo "${0##*/}: apt-get install nodejs npm failed" >&2; return 1; }
	fi
	for d in tests/bullmq tests/otel; do
		if [ ! -f $d/node_modules/.package-lock.json ] ||
		    ! cmp -s $d/package-lock.json $d/node_modules/.lock-installed; then
			# Some npm 11 releases call a lock file that leaves out other
			# platforms' optional packages out of sync; install the same
			# versions from it then, without touching it.
			(cd $d && { npm ci --no-audit --no-fund --loglevel=error \
				>/dev/null 2>&1 || npm install --no-save --no-audit --no-fund \
				--loglevel=error >/dev/null; } &&
				cp package-lock.json node_modules/.lock-installed) ||
				{ echo "${0##*/}: npm ci in $d failed" >&2; return 1; }
		fi
	done
}

# deps_build [configure args...]: autoreconf when needed, configure, make.
deps_build() {
	autoreconf -fi >/dev/null 2>&1 || { echo "${0##*/}: autoreconf failed" >&2; return 1; }
	./configure -q "$@" >/dev/null || { echo "${0##*/}: configure failed" >&2; return 1; }
	make -j"$(nproc)" >/dev/null || { echo "${0##*/}: build failed" >&2; return 1; }
}

# deps_tree_copy DIR: copy the source tree (tracked and untracked files that
# are not ignored) into DIR, keeping times, for a second build beside the
# first (autotools refuses a VPATH build of a configured tree).
deps_tree_copy() {
	local dest=$1
	mkdir -p "$dest" || return 1
	git rev-parse --is-inside-work-tree >/dev/null 2>&1 || {
		echo "${0##*/}: $dest: needs a git checkout to copy from" >&2
		return 1
	}
	git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf - | tar -xpf - -C "$dest"
}

# deps_build_copy DIR [configure args...]: copy the tree into DIR, configure
# it once (later runs let make redo what changed), and build the programs
# named in $DEPS_MAKE_TARGETS (default: all).
deps_build_copy() {
	local dir=$1
	shift
	deps_tree_copy "$dir" || return 1
	(
		cd "$dir" || exit 1
		if [ ! -f Makefile ]; then
			autoreconf -fi >/dev/null 2>&1 || { echo "${0##*/}: $dir: autoreconf failed" >&2; exit 1; }
			./configure -q "$@" >/dev/null || { echo "${0##*/}: $dir: configure failed" >&2; exit 1; }
		fi
		make -j"$(nproc)" ${DEPS_MAKE_TARGETS:-all} >/dev/null || { echo "${0##*/}: $dir: build failed" >&2; exit 1; }
	)
}
