# Shared by the project's scripts (sourced, not run): installing what a
# script needs beyond the Rust toolchain from Debian's packages.

# Runs "$@" as root: directly when root, else through passwordless sudo.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo -n "$@"; else return 1; fi
}

# ensure_debian_package TEST PACKAGE WHY: installs PACKAGE unless the shell
# test TEST (for example `command -v promtool` or `[ -x /usr/bin/chromium ]`)
# already succeeds; WHY is printed while installing.
ensure_debian_package() {
  if eval "$1" >/dev/null 2>&1; then
    return 0
  fi
  echo "installing $2 ($3)..."
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$2" >/dev/null
}
