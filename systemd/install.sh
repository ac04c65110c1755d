#!/usr/bin/env bash
# shaftgate installer: install, upgrade or uninstall a built release on a Debian-like gateway.
#
#   sudo systemd/install.sh install   [--from DIR] [--root DIR] [--no-start]
#   sudo systemd/install.sh upgrade   [--from DIR] [--root DIR] [--no-start]
#   sudo systemd/install.sh uninstall [--root DIR] [--purge]
#
# Layout (docs/operations.en.md, "Install"):
#   /opt/shaftgate/                 the release: dist/, package.json, production node_modules/, docs/,
#                                   config/examples/; owned by root, read-only to the agent
#   /opt/shaftgate.old/             the previous release after an upgrade (one generation)
#   /etc/shaftgate/shaftgate.yaml   the config (root:shaftgate 0640); never overwritten
#   /etc/shaftgate/shaftgate.env    secrets for ${env:NAME} in the config (root:shaftgate 0640); never overwritten
#   /var/lib/shaftgate/             the SQLite store (shaftgate:shaftgate 0750); kept by uninstall without --purge
#   /etc/systemd/system/shaftgate.service, enabled
#   /usr/local/bin/shaftgate        the CLI (check-config, probe, …)
#
# The release is copied, not installed with npm: a gateway has no internet, and better-sqlite3 is a
# native module that needs a compiler. Build it on a machine with the gateway's CPU and Node.js major
# version (`npm ci && npm run build`), then run this script from that tree or from a copy of it; only
# the production dependencies are copied (listed by `npm ls --omit=dev` when npm is at hand).
#
# --root DIR installs into DIR as if it were / (a scratch root, an image being built): no user is
# created, no ownership is changed and systemctl is not called; the unit is enabled with the same
# symlink `systemctl enable` makes.
set -euo pipefail

readonly SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
readonly SERVICE_USER=shaftgate
readonly UNIT_NAME=shaftgate.service
readonly MIN_NODE_MAJOR=20

ACTION=""
ROOT=""
FROM="$(cd "$SCRIPT_DIR/.." && pwd)"
PURGE=no
START=yes
# Set by install_config: yes when the example config was just installed (not started then).
FRESH_CONFIG=no

say() { printf 'shaftgate-install: %s\n' "$*"; }
die() {
  printf 'shaftgate-install: ERROR: %s\n' "$*" >&2
  exit 1
}

usage() {
  sed -n '2,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

parse_args() {
  [[ $# -gt 0 ]] || { usage; exit 2; }
  case "$1" in
    install | upgrade | uninstall) ACTION="$1" ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown action '$1' (install, upgrade or uninstall)" ;;
  esac
  shift
  while [[ $# -gt 0 ]]; do
    case "$1" in
      --root) [[ $# -ge 2 ]] || die "--root needs a directory"; ROOT="$(realpath -m "$2")"; shift 2 ;;
      --from) [[ $# -ge 2 ]] || die "--from needs a directory"; FROM="$(realpath -m "$2")"; shift 2 ;;
      --purge) PURGE=yes; shift ;;
      --no-start) START=no; shift ;;
      -h | --help) usage; exit 0 ;;
      *) die "unknown option '$1'" ;;
    esac
  done
  [[ "$ROOT" != "/" ]] || ROOT=""
}

# Paths inside the target root.
opt_dir() { echo "$ROOT/opt/shaftgate"; }
etc_dir() { echo "$ROOT/etc/shaftgate"; }
data_dir() { echo "$ROOT/var/lib/shaftgate"; }
unit_file() { echo "$ROOT/etc/systemd/system/$UNIT_NAME"; }
cli_wrapper() { echo "$ROOT/usr/local/bin/shaftgate"; }
scratch_root() { [[ -n "$ROOT" ]]; }

node_bin() {
  local node
  node="$(command -v node || true)"
  [[ -n "$node" ]] || die "node is not installed. Install Node.js $MIN_NODE_MAJOR (Debian: the nodejs package from NodeSource) and run this again."
  local major
  major="$("$node" -p 'process.versions.node.split(".")[0]')"
  [[ "$major" -ge "$MIN_NODE_MAJOR" ]] || die "node at $node is version $major; shaftgate needs $MIN_NODE_MAJOR or newer."
  realpath "$node"
}

check_release() {
  [[ -f "$FROM/dist/agent/cli/main.js" ]] || die "$FROM has no dist/agent/cli/main.js: build the release first (npm ci && npm run build) or pass --from RELEASE_DIR."
  [[ -d "$FROM/node_modules/better-sqlite3" ]] || die "$FROM has no node_modules/: run 'npm ci' on the build machine first."
  [[ -f "$FROM/systemd/$UNIT_NAME" ]] || die "$FROM has no systemd/$UNIT_NAME."
}

# Top-level package folders of the production dependencies (node_modules/x, node_modules/@s/x).
production_packages() {
  if command -v npm >/dev/null 2>&1; then
    local listed
    listed="$(cd "$FROM" && npm ls --omit=dev --all --parseable 2>/dev/null || true)"
    if [[ -n "$listed" ]]; then
      printf '%s\n' "$listed" | sed "s|^$FROM/||" | grep '^node_modules/' | sed -E 's#^(node_modules/(@[^/]+/)?[^/]+).*#\1#' | sort -u
      return
    fi
  fi
  # No npm here (a gateway with a prebuilt release): the release's node_modules is production-only.
  (cd "$FROM" && find node_modules -mindepth 1 -maxdepth 2 -type d \( -path 'node_modules/@*/*' -o \( -path 'node_modules/*' ! -name '@*' ! -name '.*' \) \) | sort -u)
}

stage_release() {
  local stage="$1" node="$2"
  rm -rf "$stage"
  mkdir -p "$stage/config"
  cp -a "$FROM/dist" "$FROM/package.json" "$stage/"
  [[ -f "$FROM/package-lock.json" ]] && cp -a "$FROM/package-lock.json" "$stage/"
  [[ -f "$FROM/README.md" ]] && cp -a "$FROM/README.md" "$stage/"
  [[ -d "$FROM/docs" ]] && cp -a "$FROM/docs" "$stage/"
  cp -a "$FROM/config/examples" "$stage/config/"
  [[ -f "$FROM/config/shaftgate.schema.json" ]] && cp -a "$FROM/config/shaftgate.schema.json" "$stage/config/"
  mkdir -p "$stage/systemd"
  cp -a "$FROM/systemd/$UNIT_NAME" "$FROM/systemd/install.sh" "$stage/systemd/"
  local packages
  packages="$(production_packages)"
  [[ -n "$packages" ]] || die "found no production packages under $FROM/node_modules."
  (cd "$FROM" && printf '%s\n' "$packages" | xargs cp -a --parents -t "$stage")
  # A native module built for another CPU or Node.js fails here, before anything is replaced.
  if ! (cd "$stage" && "$node" --input-type=module -e 'const { default: Database } = await import("better-sqlite3"); new Database(":memory:").close(); await import("@serialport/bindings-cpp");' 2>"$stage.check.log"); then
    cat "$stage.check.log" >&2
    rm -rf "$stage" "$stage.check.log"
    die "the release's native modules do not load with $node ($(uname -m)). Build the release on a machine with this CPU and Node.js $("$node" --version), then install again. Nothing was changed."
  fi
  rm -f "$stage.check.log"
  chmod -R u+rwX,go+rX,go-w "$stage"
}

# Runs the CLI of a release against the config, with the secrets of shaftgate.env in its environment.
check_config_with() {
  local release="$1" node="$2" config
  config="$(etc_dir)/shaftgate.yaml"
  (
    if [[ -f "$(etc_dir)/shaftgate.env" ]]; then set -a; . "$(etc_dir)/shaftgate.env"; set +a; fi
    "$node" "$release/dist/agent/cli/main.js" check-config "$config"
  )
}

install_config() {
  local release="$1"
  mkdir -p "$(etc_dir)"
  chmod 0755 "$(etc_dir)"
  local config="$(etc_dir)/shaftgate.yaml"
  if [[ -e "$config" ]]; then
    say "kept the existing config $config"
  else
    # The example, with the store where the unit's StateDirectory is.
    sed -e 's|^\(  path: \)\./var/shaftgate\.db|\1/var/lib/shaftgate/shaftgate.db|' \
      -e 's|\$schema=\.\./shaftgate\.schema\.json|$schema=/opt/shaftgate/config/shaftgate.schema.json|' \
      "$release/config/examples/minimal.yaml" >"$config"
    chmod 0640 "$config"
    FRESH_CONFIG=yes
    say "installed the example config $config: edit it for this mine's devices before starting"
  fi
  local env_file="$(etc_dir)/shaftgate.env"
  if [[ ! -e "$env_file" ]]; then
    cat >"$env_file" <<'EOF'
# Secrets for the shaftgate config, read by systemd (EnvironmentFile=) and used as ${env:NAME} in
# /etc/shaftgate/shaftgate.yaml. One NAME=value per line, no quotes needed. Keep this file 0640.
# SHAFTGATE_MQTT_USER=
# SHAFTGATE_MQTT_PASSWORD=
EOF
    chmod 0640 "$env_file"
  fi
  if ! scratch_root; then chgrp "$SERVICE_USER" "$config" "$env_file"; fi
}

install_data_dir() {
  mkdir -p "$(data_dir)"
  chmod 0750 "$(data_dir)"
  if ! scratch_root; then chown "$SERVICE_USER:$SERVICE_USER" "$(data_dir)"; fi
}

install_unit() {
  local node="$1"
  mkdir -p "$(dirname "$(unit_file)")" "$(dirname "$(cli_wrapper)")"
  # The unit names /usr/bin/node; a gateway with node elsewhere gets its real path.
  sed -e "s|^ExecStart=/usr/bin/node |ExecStart=$node |" "$(opt_dir)/systemd/$UNIT_NAME" >"$(unit_file).tmp"
  chmod 0644 "$(unit_file).tmp"
  mv "$(unit_file).tmp" "$(unit_file)"
  cat >"$(cli_wrapper)" <<EOF
#!/bin/sh
# shaftgate CLI (installed by /opt/shaftgate/systemd/install.sh)
exec $node /opt/shaftgate/dist/agent/cli/main.js "\$@"
EOF
  chmod 0755 "$(cli_wrapper)"
}

create_user() {
  if scratch_root; then
    say "scratch root: not creating the system user '$SERVICE_USER' and not changing ownership"
    return
  fi
  if getent passwd "$SERVICE_USER" >/dev/null; then
    usermod --append --groups dialout "$SERVICE_USER"
  else
    useradd --system --user-group --groups dialout --home-dir /var/lib/shaftgate --no-create-home \
      --shell /usr/sbin/nologin --comment "shaftgate shaft-head gateway" "$SERVICE_USER"
    say "created system user '$SERVICE_USER' (member of dialout for serial ports)"
  fi
}

enable_unit() {
  if scratch_root; then
    local wants="$ROOT/etc/systemd/system/multi-user.target.wants"
    mkdir -p "$wants"
    ln -sfn "/etc/systemd/system/$UNIT_NAME" "$wants/$UNIT_NAME"
    say "scratch root: enabled $UNIT_NAME with a symlink; systemctl was not called"
    return
  fi
  systemctl daemon-reload
  systemctl enable "$UNIT_NAME" >/dev/null
}

service_active() { ! scratch_root && systemctl is-active --quiet "$UNIT_NAME"; }

start_service() {
  if scratch_root || [[ "$START" == no ]]; then
    say "not starting the service$(scratch_root && echo ' (scratch root)' || echo ' (--no-start)')"
    return
  fi
  if [[ "$FRESH_CONFIG" == yes ]]; then
    say "not starting yet: edit /etc/shaftgate/shaftgate.yaml, check it with 'shaftgate check-config /etc/shaftgate/shaftgate.yaml', then 'systemctl start shaftgate'"
    return
  fi
  if systemctl restart "$UNIT_NAME"; then
    say "shaftgate is running: systemctl status shaftgate; journalctl -u shaftgate -f"
  else
    die "the service did not start. See: journalctl -u shaftgate -n 50 -o cat. The previous release (if any) is in /opt/shaftgate.old."
  fi
}

do_install() {
  local mode="$1"
  if [[ "$mode" == upgrade && ! -d "$(opt_dir)" ]]; then die "nothing to upgrade: $(opt_dir) does not exist (use 'install')."; fi
  if ! scratch_root && [[ "$(id -u)" -ne 0 ]]; then die "run as root (sudo), or with --root DIR for a scratch root."; fi
  check_release
  local node
  node="$(node_bin)"
  say "installing $(cd "$FROM" && "$node" -p 'require("./package.json").version') from $FROM into ${ROOT:-/}"
  create_user
  local stage="$ROOT/opt/shaftgate.new"
  mkdir -p "$ROOT/opt"
  stage_release "$stage" "$node"
  install_config "$stage"
  # The new release must accept the config before the running one is replaced.
  if ! check_config_with "$stage" "$node"; then
    rm -rf "$stage"
    die "the new release rejects $(etc_dir)/shaftgate.yaml (see above). Nothing was replaced; fix the config and run this again."
  fi
  install_data_dir
  local was_active=no
  if service_active; then
    was_active=yes
    systemctl stop "$UNIT_NAME"
  fi
  if [[ -d "$(opt_dir)" ]]; then
    rm -rf "$ROOT/opt/shaftgate.old"
    mv "$(opt_dir)" "$ROOT/opt/shaftgate.old"
  fi
  mv "$stage" "$(opt_dir)"
  install_unit "$node"
  enable_unit
  if [[ "$was_active" == yes ]]; then say "the service was running; restarting it (the database migrates itself at start)"; fi
  start_service
  say "done. Data: $(data_dir) (kept across upgrades). Config: $(etc_dir)."
}

do_uninstall() {
  if ! scratch_root && [[ "$(id -u)" -ne 0 ]]; then die "run as root (sudo), or with --root DIR."; fi
  if scratch_root; then
    say "scratch root: systemctl is not called"
  elif [[ -f "$(unit_file)" ]]; then
    systemctl disable --now "$UNIT_NAME" >/dev/null 2>&1 || true
  fi
  rm -f "$(unit_file)" "$ROOT/etc/systemd/system/multi-user.target.wants/$UNIT_NAME" "$(cli_wrapper)"
  rm -rf "$(opt_dir)" "$ROOT/opt/shaftgate.old" "$ROOT/opt/shaftgate.new"
  scratch_root || systemctl daemon-reload
  if [[ "$PURGE" == yes ]]; then
    rm -rf "$(etc_dir)" "$(data_dir)"
    if ! scratch_root && getent passwd "$SERVICE_USER" >/dev/null; then userdel "$SERVICE_USER"; fi
    say "removed shaftgate, its config, its data and its user (--purge)"
  else
    say "removed shaftgate; kept the config $(etc_dir) and the data $(data_dir) (use --purge to delete them)"
  fi
}

main() {
  parse_args "$@"
  case "$ACTION" in
    install) do_install install ;;
    upgrade) do_install upgrade ;;
    uninstall) do_uninstall ;;
  esac
}

main "$@"
