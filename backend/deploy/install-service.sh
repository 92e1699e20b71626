#!/bin/sh
# Installs camrig as a systemd service from a release build, or updates an
# installed one; safe to run again (`cargo xtask install-service` builds and
# runs it). As root:
#
#   - the system user `camrig` and its groups (systemd-sysusers, from
#     camrig.sysusers, kept as /etc/sysusers.d/camrig.conf);
#   - the server as /usr/local/bin/camrig, the web app in
#     /usr/local/share/camrig/dist;
#   - /etc/camrig/camrig.toml, only if there is none (your edits stay);
#   - the unit /etc/systemd/system/camrig.service and the polkit rule
#     /etc/polkit-1/rules.d/50-camrig.rules (reboot and power off);
#   - the state folder /var/lib/camrig, and the operator's login link,
#     printed at the end (the key is made there on first use);
#   - with systemd running: enable and start the service, or restart it
#     when something it runs changed.
#
# Environment: CAMRIG_BINARY and CAMRIG_DIST name the build to install
# (default: target/release/camrig and dist/ of this repository). DESTDIR
# installs under another root folder instead of /, for tests and images:
# the user goes into DESTDIR/etc/passwd, and systemd is left alone.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
binary=${CAMRIG_BINARY:-$repo/target/release/camrig}
dist=${CAMRIG_DIST:-$repo/dist}
root=${DESTDIR:-}
root=${root%/}

# Where things go; the unit and camrig.toml name the same paths.
bin_path=/usr/local/bin/camrig
dist_path=/usr/local/share/camrig/dist
config_path=/etc/camrig/camrig.toml
unit_path=/etc/systemd/system/camrig.service
rule_path=/etc/polkit-1/rules.d/50-camrig.rules
sysusers_path=/etc/sysusers.d/camrig.conf
state_path=/var/lib/camrig

say() { echo "install-service: $*"; }
fail() {
    echo "install-service: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || fail "run it as root: it makes a system user and installs into /usr/local and /etc"
[ -x "$binary" ] || fail "no server build at $binary: run cargo xtask build first (or set CAMRIG_BINARY)"
[ -f "$dist/index.html" ] || fail "no web app build in $dist: run cargo xtask build first (or set CAMRIG_DIST)"
command -v systemd-sysusers >/dev/null || fail "systemd-sysusers is missing: install the Debian package systemd"
umask 022
changed=

# Installs $1 as $root$2 with mode $3 when it differs; notes a change.
put() {
    if ! cmp -s "$1" "$root$2"; then
        mkdir -p "$(dirname "$root$2")"
        # A new file moved over the old one: a running binary is replaced,
        # never written into.
        cp "$1" "$root$2.new"
        chmod "$3" "$root$2.new"
        mv -f "$root$2.new" "$root$2"
        say "installed $2"
        changed=yes
    fi
}

# The user and its groups.
put "$here/camrig.sysusers" "$sysusers_path" 0644
mkdir -p "$root/etc"
if [ -n "$root" ]; then
    systemd-sysusers --root="$root" "$root$sysusers_path"
else
    systemd-sysusers "$sysusers_path"
fi
# Its numbers, read from the passwd file written above (DESTDIR's own).
uid=$(awk -F: '$1 == "camrig" { print $3 }' "$root/etc/passwd")
gid=$(awk -F: '$1 == "camrig" { print $4 }' "$root/etc/passwd")
[ -n "$uid" ] && [ -n "$gid" ] || fail "the user camrig was not made"

# The programs.
put "$binary" "$bin_path" 0755
if ! diff -r -q "$dist" "$root$dist_path" >/dev/null 2>&1; then
    mkdir -p "$(dirname "$root$dist_path")"
    rm -rf "$root$dist_path.new"
    cp -R "$dist" "$root$dist_path.new"
    chmod -R u=rwX,go=rX "$root$dist_path.new"
    rm -rf "$root$dist_path"
    mv "$root$dist_path.new" "$root$dist_path"
    say "installed $dist_path"
    changed=yes
fi

# The configuration, once; readable by the service (it may hold keys).
if [ ! -e "$root$config_path" ]; then
    mkdir -p "$root$(dirname "$config_path")"
    cp "$here/camrig.toml" "$root$config_path"
    chown "0:$gid" "$root$config_path"
    chmod 0640 "$root$config_path"
    say "installed $config_path"
    changed=yes
else
    say "kept $config_path as it is"
fi

put "$here/camrig.service" "$unit_path" 0644
put "$here/50-camrig.rules" "$rule_path" 0644

# The state folder (systemd's StateDirectory= keeps it the service's).
mkdir -p "$root$state_path"
chown "$uid:$gid" "$root$state_path"
chmod 0750 "$root$state_path"

# The login link, as the service's user in its working directory, so the
# operator key it makes on first use belongs to the service.
say "the operator's login link (run this script again to see it again):"
if [ -n "$root" ]; then
    # The configuration's media folder lies under DESTDIR here.
    (cd "$root$state_path" &&
        CAMRIG_MEDIA_DIR="$root$state_path/media" setpriv --reuid="$uid" --regid="$gid" \
            --clear-groups "$root$bin_path" --config "$root$config_path" login-link)
else
    (cd "$state_path" &&
        setpriv --reuid="$uid" --regid="$gid" --clear-groups \
            "$bin_path" --config "$config_path" login-link)
fi

if [ -n "$root" ]; then
    say "installed under $root; systemd left alone"
elif [ ! -d /run/systemd/system ]; then
    say "systemd is not running on this machine: nothing enabled."
    say "on a machine booted with systemd: systemctl enable --now camrig"
else
    systemctl daemon-reload
    systemctl enable --quiet camrig.service
    if [ -n "$changed" ] && systemctl is-active --quiet camrig.service; then
        systemctl restart camrig.service
        say "restarted camrig.service"
    else
        systemctl start camrig.service
        say "camrig.service is running; its log: journalctl -u camrig"
    fi
fi
