#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#
# Bring up the mail test bed: three network namespaces (Internet host,
# gateway, mail server; see bedlib.sh), real Debian servers inside them,
# each with its own configuration and state under one temp directory and
# started without systemd, and mxgw loaded on the gateway's WAN with the
# shipped table (etc/mxgw.conf, its public address replaced by
# 203.0.113.33, its mailserver6 and lan6 lines uncommented).  Dual-stack:
# every host has an IPv4 and an IPv6 address (bedlib.sh) and every
# server listens on both.
#
#   bed-up.sh            prints "MXGW_BED=DIR" last; tear down with
#                        bed-down.sh DIR
#   MXGW_BED=DIR         use DIR (must not exist yet) instead of a mktemp
#   MXCTL=PATH           the mxctl to load (default: build/mxctl)
#   MXGW_SHIPPED_CONF=F  the table to load (default: etc/mxgw.conf)
#   MXGW_BED_GRO=0|1     GRO on the mail server's and the Internet host's
#                        veth ends (default 1): with it the LAN and WAN
#                        veths take XDP frames and mxgw forwards by XDP
#                        redirect, its fast paths both ways, as with NICs
#                        whose driver has XDP; 0: the kernel forwards
#   MXGW_BED_PAIR=1      two gateways under keepalived instead of one
#                        (tests/e2e/kapair.sh, as test_keepalived.sh):
#                        $NS_GW is gateway A (wan0 203.0.113.2, lan0
#                        192.168.1.2, priority 150), $NS_GWB gateway B (.3,
#                        .3, priority 100), the links two bridges in
#                        $NS_SW; keepalived from the shipped example
#                        (etc/keepalived/, its files in $BED/keepalived)
#                        moves 203.0.113.33 and 192.168.1.1 between them;
#                        mxgw loaded on both (`load wan0 --lan lan0`, pins
#                        in the bed's bpffs).  Up once A holds both
#                        addresses.  IPv4 only through the pair: the hosts
#                        keep their IPv6 addresses (the servers listen on
#                        them), no gateway routes IPv6.  The mail server's
#                        Postfix gives up on a stalled transfer after 10 s
#                        (smtp_data_xfer_timeout, smtp_data_done_timeout),
#                        to retry through the backup soon
#
# Exit: 0 the bed is up; 77 it cannot run here (not root, a command or
# package missing: run deps.sh); 1 it failed, in which case everything
# it created is gone again.  Progress goes to stderr.
set -u

# shellcheck source=tests/e2e/mail/bedlib.sh
. "$(dirname "${BASH_SOURCE[0]}")/bedlib.sh"

say() { echo "bed-up: $*" >&2; }
die() {
	say "FAILED: $*"
	if [ -n "${BED:-}" ] && [ -z "${MXGW_BED_KEEP_ON_FAIL:-}" ]; then
		"$BED_LIBDIR/bed-down.sh" "$BED" >/dev/null 2>&1
	fi
	[ -n "${MXGW_BED_CANNOT:-}" ] && exit 77
	exit 1
}
cannot() {
	say "cannot run: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || cannot "needs root (network namespaces, BPF)"
for c in ip nsenter unshare ss ethtool openssl python3 postfix postconf dovecot nginx \
	slapd slapadd dnsmasq; do
	command -v "$c" >/dev/null 2>&1 || cannot "$c not found (run tests/e2e/mail/deps.sh)"
done
[ -x "$MXCTL" ] || cannot "no mxctl at $MXCTL (run make, or set MXCTL)"
MXCTL=$(readlink -f "$MXCTL")

# --- the bed's directory and its record -------------------------------------

if [ -n "${MXGW_BED:-}" ]; then
	BED=$MXGW_BED
	mkdir "$BED" 2>/dev/null || cannot "MXGW_BED=$BED: cannot create it (it must not exist)"
else
	BED=$(mktemp -d /tmp/mxgw-mailbed.XXXXXX) || cannot "mktemp failed"
fi
BED=$(readlink -f "$BED")
# the mailbox owner (uid $MAIL_UID) and nginx's workers must get through
chmod 711 "$BED"
ID=${BED##*/}
ID=${ID#mxgw-mailbed.}
ID=${ID//[^a-zA-Z0-9]/}
ID=${ID:0:8}
NS_INET=mxbed-inet-$ID
NS_GW=mxbed-gw-$ID
NS_MS=mxbed-ms-$ID
BED_PAIR=${MXGW_BED_PAIR:-0}
NS_GWB='' NS_SW=''
if [ "$BED_PAIR" = 1 ]; then
	command -v keepalived >/dev/null 2>&1 || cannot "keepalived not found (make deps)"
	NS_GWB=mxbed-gwb-$ID
	NS_SW=mxbed-sw-$ID
	BED_KA=$BED/keepalived
fi
BED_MNTNS=$BED/ns/mnt
BED_CONF=$BED/mxgw.conf
# written first: bed-down.sh removes a bed from this record, however far
# bed-up got
cat >"$BED/bed.env" <<EOF
BED=$BED
NS_INET=$NS_INET
NS_GW=$NS_GW
NS_MS=$NS_MS
BED_MNTNS=$BED_MNTNS
BED_CONF=$BED_CONF
MXCTL=$MXCTL
EOF
[ "$BED_PAIR" = 1 ] && printf 'BED_PAIR=1\nNS_GWB=%s\nNS_SW=%s\nBED_KA=%s\n' \
	"$NS_GWB" "$NS_SW" "$BED_KA" >>"$BED/bed.env"
say "bed in $BED (namespaces $NS_INET, $NS_GW, $NS_MS)"

# --- a mount namespace of the bed's own, with its own bpffs -------------------
# Persistent (bind-mounted on $BED/ns/mnt, on a private mount so that the
# bind cannot propagate into the namespace itself): mxctl runs in it on
# every call, and the pins under its /sys/fs/bpf are the bed's alone.

{ mkdir "$BED/ns" && mount --bind "$BED/ns" "$BED/ns" && mount --make-private "$BED/ns" &&
	touch "$BED_MNTNS" &&
	unshare --mount="$BED_MNTNS" --propagation private true; } ||
	die "cannot create the bed's mount namespace"
nsenter --mount="$BED_MNTNS" -- mount -t bpf bpf /sys/fs/bpf ||
	die "cannot mount a bpffs in the bed's mount namespace"

# --- the three namespaces ----------------------------------------------------

for ns in "$NS_INET" "$NS_GW" "$NS_MS" $NS_GWB $NS_SW; do
	ip netns add "$ns" || die "cannot create network namespace $ns"
done
if [ "$BED_PAIR" = 1 ]; then
	# shellcheck source=tests/e2e/kapair.sh
	. "$E2E_DIR/kapair.sh"
	KP_SW=$NS_SW KP_INET=$NS_INET KP_A=$NS_GW KP_B=$NS_GWB KP_MS=$NS_MS
	{
		kapair_topology &&
		ip -n "$NS_INET" addr add "$E2E_CLIENT2/32" dev eth0 &&
		# the hosts' IPv6 addresses, for the servers to listen on
		ip -n "$NS_INET" -6 addr add "$INET6/64" dev eth0 nodad &&
		ip -n "$NS_INET" -6 addr add "$CLIENT6/128" dev eth0 nodad preferred_lft 0 &&
		ip -n "$NS_INET" -6 addr add "$E2E_CLIENT2_6/128" dev eth0 nodad preferred_lft 0 &&
		ip -n "$NS_MS" -6 addr add "$MS6/64" dev eth0 nodad
	} 2>"$BED/topology.err" || die "cannot build the pair's topology: $(head -1 "$BED/topology.err")"
	kapair_xdp_pass || die "cannot attach XDP_PASS to the bridge's ends ($XDP_PASS_OBJ)"
else {
	ip link add wan0 netns "$NS_GW" type veth peer name eth0 netns "$NS_INET" &&
	ip link add lan0 netns "$NS_GW" type veth peer name eth0 netns "$NS_MS" &&
	ip -n "$NS_INET" addr add "$INET/24" dev eth0 &&
	ip -n "$NS_INET" addr add "$E2E_CLIENT1/32" dev eth0 &&
	ip -n "$NS_INET" addr add "$E2E_CLIENT2/32" dev eth0 &&
	ip -n "$NS_GW" addr add "$PUB/24" dev wan0 &&
	ip -n "$NS_GW" addr add "$LANGW/24" dev lan0 &&
	ip -n "$NS_MS" addr add "$MS/24" dev eth0 &&
	ip -n "$NS_INET" link set lo up && ip -n "$NS_GW" link set lo up &&
	ip -n "$NS_MS" link set lo up &&
	ip -n "$NS_INET" link set eth0 up &&
	ip -n "$NS_GW" link set wan0 up && ip -n "$NS_GW" link set lan0 up &&
	ip -n "$NS_MS" link set eth0 up &&
	ip -n "$NS_GW" route add 198.51.100.0/24 via "$INET" &&
	ip -n "$NS_MS" route add default via "$LANGW" &&
	nsenter --net="/run/netns/$NS_GW" -- sysctl -qw net.ipv4.ip_forward=1 &&
	# IPv6 as tests/e2e/lib.sh's e2e_topology6_up has it: nodad (usable
	# at once), the clients' addresses deprecated so that the Internet
	# host's own connections come from 2001:db8:1::1
	ip -n "$NS_INET" -6 addr add "$INET6/64" dev eth0 nodad &&
	ip -n "$NS_INET" -6 addr add "$CLIENT6/128" dev eth0 nodad preferred_lft 0 &&
	ip -n "$NS_INET" -6 addr add "$E2E_CLIENT2_6/128" dev eth0 nodad preferred_lft 0 &&
	ip -n "$NS_GW" -6 addr add "$WAN6/64" dev wan0 nodad &&
	ip -n "$NS_GW" -6 addr add "$LANGW6/64" dev lan0 nodad &&
	ip -n "$NS_MS" -6 addr add "$MS6/64" dev eth0 nodad &&
	ip -n "$NS_GW" -6 route add "$CLIENTS6" via "$INET6" &&
	ip -n "$NS_INET" -6 route add "$LAN6" via "$WAN6" &&
	ip -n "$NS_MS" -6 route add default via "$LANGW6" &&
	nsenter --net="/run/netns/$NS_GW" -- sysctl -qw net.ipv6.conf.all.forwarding=1 &&
	# the hosts' ends behave as a wire: full checksums (see lib.sh)
	nsenter --net="/run/netns/$NS_INET" -- ethtool -K eth0 tx off >/dev/null &&
	nsenter --net="/run/netns/$NS_MS" -- ethtool -K eth0 tx off >/dev/null
} 2>"$BED/topology.err" || die "cannot build the topology: $(head -1 "$BED/topology.err")"
fi
if [ "$BED_PAIR" != 1 ] && [ "${MXGW_BED_GRO:-1}" = 1 ]; then
	nsenter --net="/run/netns/$NS_MS" -- ethtool -K eth0 gro on >/dev/null ||
		die "ethtool -K eth0 gro on failed in $NS_MS"
	# the LAN's fast path to the WAN (mxgw_lan_in, issue 14)
	nsenter --net="/run/netns/$NS_INET" -- ethtool -K eth0 gro on >/dev/null ||
		die "ethtool -K eth0 gro on failed in $NS_INET"
fi

# /etc/resolv.conf and /etc/hosts of each host (see bed_exec): the
# Internet's DNS server is the Internet host's dnsmasq
for site in inet gw ms; do
	mkdir -p "$BED/mxbed-$site-$ID.etc"
done
for h in "$NS_INET:$INET:$INET_HOST" "$NS_GW:$PUB:$GW_HOST" "$NS_MS:$MS:$MS_HOST"; do
	IFS=: read -r ns addr name <<<"$h"
	printf 'nameserver %s\noptions timeout:2 attempts:2\n' "$INET" >"$BED/$ns.etc/resolv.conf"
	printf '127.0.0.1\tlocalhost\n%s\t%s %s\n' "$addr" "$name" "${name%%.*}" >"$BED/$ns.etc/hosts"
	echo "$name" >"$BED/$ns.etc/hostname"
done
chmod 755 "$BED"/*.etc && chmod 644 "$BED"/*.etc/*

# --- certificates: a test CA and one server certificate per host -------------

mkdir -p "$BED/tls" && chmod 755 "$BED/tls"
(
	cd "$BED/tls" || exit 1
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=mxgw test bed CA" -keyout ca.key -out ca.pem \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" &&
	for h in "ms:$MS_HOST:IP:$PUB,IP:$MS,IP:$MS6" \
		"inet:$INET_HOST:IP:$INET,IP:$INET6,DNS:$INET6_HOST"; do
		site=${h%%:*} rest=${h#*:}
		cn=${rest%%:*} ips=${rest#*:}
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
			-subj "/CN=$cn" -keyout "$site.key" -out "$site.csr" &&
		openssl x509 -req -in "$site.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
			-days 30 -out "$site.pem" \
			-extfile <(printf 'subjectAltName=DNS:%s,%s\nextendedKeyUsage=serverAuth\n' "$cn" "$ips") ||
			exit 1
	done
) >"$BED/tls/openssl.log" 2>&1 || die "openssl: $(tail -3 "$BED/tls/openssl.log")"
chmod 600 "$BED"/tls/*.key
chmod 644 "$BED"/tls/*.pem

# --- the servers of one host -------------------------------------------------

# site_up SITE NS ADDR ADDR6 DOMAIN HOSTNAME USER MYNETWORKS [DOMAIN...]
# (further mail domains of the same mailbox)
site_up() {
	local site=$1 ns=$2 addr=$3 addr6=$4 domain=$5 host=$6 user=$7 mynets=$8
	shift 8
	local more=("$@") dom
	local d=$BED/$site
	local cert=$BED/tls/$site.pem key=$BED/tls/$site.key

	mkdir -p "$d"/{postfix,queue,data,dovecot,nginx/tmp,www,slapd/db,mail/"$user"/Maildir/{new,cur,tmp}}
	chmod 755 "$d" "$d/mail"
	chown -R "$MAIL_UID:$MAIL_GID" "$d/mail/$user"
	chown postfix: "$d/data"
	chmod 700 "$d/mail/$user"

	# Postfix: a standalone instance (config_directory $d/postfix),
	# delivering to virtual Maildirs, logging to $d/maillog
	cat >"$d/postfix/main.cf" <<EOF
compatibility_level = 3.6
myhostname = $host
mydomain = $domain
myorigin = \$mydomain
mydestination =
inet_interfaces = $addr, [$addr6]
inet_protocols = all
mynetworks = $mynets
queue_directory = $d/queue
data_directory = $d/data
maillog_file = $d/maillog
maillog_file_prefixes = $d
alias_maps =
alias_database =
smtpd_banner = \$myhostname ESMTP Postfix (mxgw test bed $site)
smtpd_relay_restrictions = permit_mynetworks reject_unauth_destination
virtual_mailbox_domains = $domain${more[*]:+ ${more[*]}}
virtual_mailbox_base = $d/mail
virtual_mailbox_maps = texthash:$d/postfix/vmailbox
virtual_uid_maps = static:$MAIL_UID
virtual_gid_maps = static:$MAIL_GID
virtual_mailbox_limit = 0
message_size_limit = 52428800
smtpd_tls_cert_file = $cert
smtpd_tls_key_file = $key
smtpd_tls_security_level = may
smtp_tls_security_level = may
smtp_tls_CAfile = $BED/tls/ca.pem
# a host with A and AAAA records is reached over IPv4 (the IPv4 tests'
# relay); a domain of AAAA records only, over IPv6
smtp_address_preference = ipv4
# nothing waits for a retry: the bed delivers at once or fails
minimal_backoff_time = 5s
maximal_backoff_time = 10s
queue_run_delay = 5s
EOF
	for dom in "$domain" "${more[@]}"; do
		echo "$user@$dom $user/Maildir/"
	done >"$d/postfix/vmailbox"
	# Debian's master.cf, every service outside a chroot, plus smtps
	sed -E 's/^([a-z]+ +(inet|unix|fifo|pass|unix-dgram) +[-yn] +[-yn] +)[-yn]/\1n/' \
		/usr/share/postfix/master.cf.dist >"$d/postfix/master.cf"
	cat >>"$d/postfix/master.cf" <<'EOF'
smtps     inet  n       -       n       -       -       smtpd
  -o syslog_name=postfix/smtps
  -o smtpd_tls_wrappermode=yes
EOF
	bed_exec "$ns" postfix -c "$d/postfix" start >"$d/postfix.start" 2>&1 ||
		die "postfix start ($site): $(tail -3 "$d/postfix.start" "$d/maillog" 2>/dev/null)"

	# Dovecot: IMAP 143/993, POP3 110/995, one user with a plain password
	echo "$user:{PLAIN}$MAIL_PASS:$MAIL_UID:$MAIL_GID::$d/mail/$user::" >"$d/dovecot/users"
	chmod 644 "$d/dovecot/users"
	cat >"$d/dovecot.conf" <<EOF
instance_name = mxbed-$site-$ID
base_dir = $d/dovecot/run
state_dir = $d/dovecot/state
listen = $addr, $addr6
protocols = imap pop3
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
ssl = yes
ssl_cert = <$cert
ssl_key = <$key
# the plain ports are for the LAN; the gateway keeps them off the Internet
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = $MAIL_UID
pop3_uidl_format = %08Xu%08Xv
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%n $d/dovecot/users
}
userdb {
  driver = passwd-file
  args = username_format=%n $d/dovecot/users
}
service imap-login {
  inet_listener imap {
    port = 143
  }
  inet_listener imaps {
    port = 993
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 110
  }
  inet_listener pop3s {
    port = 995
    ssl = yes
  }
}
EOF
	bed_exec "$ns" dovecot -c "$d/dovecot.conf" >"$d/dovecot.start" 2>&1 ||
		die "dovecot ($site): $(tail -3 "$d/dovecot.start")"

	# nginx: HTTP 80 and HTTPS 443
	echo "mxgw test bed: $host over http" >"$d/www/index.html"
	chmod -R a+rX "$d/www" "$d/nginx"
	chown nobody "$d/nginx/tmp"
	cat >"$d/nginx.conf" <<EOF
worker_processes 1;
pid $d/nginx/nginx.pid;
error_log $d/nginx/error.log;
user nobody nogroup;
events { worker_connections 256; }
http {
	access_log $d/nginx/access.log;
	client_body_temp_path $d/nginx/tmp/body;
	proxy_temp_path $d/nginx/tmp/proxy;
	fastcgi_temp_path $d/nginx/tmp/fastcgi;
	uwsgi_temp_path $d/nginx/tmp/uwsgi;
	scgi_temp_path $d/nginx/tmp/scgi;
	default_type application/octet-stream;
	server {
		listen $addr:80;
		listen [$addr6]:80;
		listen $addr:443 ssl;
		listen [$addr6]:443 ssl;
		server_name $host;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_certificate $cert;
		ssl_certificate_key $key;
		root $d/www;
	}
}
EOF
	bed_exec "$ns" nginx -e "$d/nginx/error.log" -p "$d/nginx" -c "$d/nginx.conf" \
		>"$d/nginx.start" 2>&1 || die "nginx ($site): $(tail -3 "$d/nginx.start")"

	# slapd: LDAP 389, LDAPS 636, the suffix of the domain with one entry
	local dc=${domain%%.*} suffix="dc=${domain//./,dc=}"
	cat >"$d/slapd/slapd.conf" <<EOF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile $d/slapd/slapd.pid
argsfile $d/slapd/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
TLSCACertificateFile $BED/tls/ca.pem
TLSCertificateFile $cert
TLSCertificateKeyFile $key
database mdb
maxsize 16777216
suffix "$suffix"
rootdn "cn=admin,$suffix"
directory $d/slapd/db
access to * by * read
EOF
	cat >"$d/slapd/base.ldif" <<EOF
dn: $suffix
objectClass: dcObject
objectClass: organization
dc: $dc
o: mxgw test bed $site

dn: uid=$user,$suffix
objectClass: inetOrgPerson
uid: $user
cn: $user
sn: test
mail: $user@$domain
EOF
	slapadd -f "$d/slapd/slapd.conf" -l "$d/slapd/base.ldif" >"$d/slapd.start" 2>&1 ||
		die "slapadd ($site): $(tail -3 "$d/slapd.start")"
	bed_exec "$ns" slapd -f "$d/slapd/slapd.conf" -h "ldap://$addr:389/ ldap://[$addr6]:389/ ldaps://$addr:636/ ldaps://[$addr6]:636/" \
		-n "slapd-mxbed-$site" >>"$d/slapd.start" 2>&1 ||
		die "slapd ($site): $(tail -3 "$d/slapd.start")"

	# NNTP 119/563: a stand-in, see nntp_standin.py
	: >"$d/nntp.log"
	bed_exec "$ns" setsid python3 "$BED_LIBDIR/nntp_standin.py" --listen "$addr" --listen "$addr6" \
		--cert "$cert" --key "$key" --log "$d/nntp.log" --pidfile "$d/nntp.pid" \
		</dev/null >"$d/nntp.start" 2>&1 &
}

site_up ms "$NS_MS" "$MS" "$MS6" "$MS_DOMAIN" "$MS_HOST" "$MS_USER" \
	"127.0.0.0/8 192.168.1.0/24 [::1]/128 [$LAN6]"
site_up inet "$NS_INET" "$INET" "$INET6" "$INET_DOMAIN" "$INET_HOST" "$INET_USER" \
	"127.0.0.0/8 [::1]/128" "$INET6_DOMAIN"
if [ "$BED_PAIR" = 1 ]; then
	# a relay whose connection the failover broke (dropped on the backup,
	# no RST) is given up after 10 s instead of 180 or 600 (the message
	# written, its "250" awaited), and retried through
	# the backup by the next queue run (minimal_backoff_time 5s above)
	{ postconf -c "$BED/ms/postfix" -e smtp_data_xfer_timeout=10s smtp_data_done_timeout=10s &&
		bed_exec "$NS_MS" postfix -c "$BED/ms/postfix" reload; } >>"$BED/ms/postfix.start" 2>&1 ||
		die "postconf smtp_data_*_timeout (ms): $(tail -2 "$BED/ms/postfix.start")"
fi

# the Internet's DNS, on both of its addresses: MX, A and AAAA records of
# the domains (remote6.example's MX has an AAAA record only), nothing
# else, no upstream (authoritative for these, NXDOMAIN for the rest)
bed_exec "$NS_INET" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
	--listen-address="$INET,$INET6" --bind-interfaces --pid-file="$BED/inet/dnsmasq.pid" \
	--user=root --log-queries --log-facility="$BED/inet/dnsmasq.log" --local=/#/ \
	--mx-host="$MS_DOMAIN,$MS_HOST,10" --host-record="$MS_HOST,$PUB,$MS6" \
	--mx-host="$INET_DOMAIN,$INET_HOST,10" --host-record="$INET_HOST,$INET,$INET6" \
	--mx-host="$INET6_DOMAIN,$INET6_HOST,10" --host-record="$INET6_HOST,$INET6" \
	>"$BED/inet/dnsmasq.start" 2>&1 || die "dnsmasq: $(tail -3 "$BED/inet/dnsmasq.start")"

# the LAN's DNS server on the mail server: example.test (the gateway
# keeps port 53 off the Internet)
bed_exec "$NS_MS" dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --no-poll \
	--listen-address="$MS,$MS6" --bind-interfaces --pid-file="$BED/ms/dnsmasq.pid" \
	--user=root --log-queries --log-facility="$BED/ms/dnsmasq.log" --local=/#/ \
	--mx-host="$MS_DOMAIN,$MS_HOST,10" --host-record="$MS_HOST,$PUB,$MS6" \
	>"$BED/ms/dnsmasq.start" 2>&1 || die "dnsmasq (ms): $(tail -3 "$BED/ms/dnsmasq.start")"

# ready when every port is bound, on both addresses
ports() {
	local a p out=
	for a in "$1" "[$2]"; do
		for p in 25 465 110 995 143 993 80 443 389 636 119 563 53; do
			out="$out $a:$p"
		done
	done
	echo "$out"
}
# shellcheck disable=SC2046 # lists of ADDR:PORT
bed_wait "$BED_START_TIMEOUT" bed_listening "$NS_MS" t $(ports "$MS" "$MS6") ||
	die "servers of the mail server not listening: $(nsenter --net="/run/netns/$NS_MS" ss -Hltn | awk '{printf "%s ", $4}'); see $BED/ms"
# shellcheck disable=SC2046
bed_wait "$BED_START_TIMEOUT" bed_listening "$NS_INET" t $(ports "$INET" "$INET6") ||
	die "servers of the Internet host not listening: $(nsenter --net="/run/netns/$NS_INET" ss -Hltn | awk '{printf "%s ", $4}'); see $BED/inet"
bed_wait "$BED_START_TIMEOUT" bed_listening "$NS_INET" u "$INET:53" "[$INET6]:53" ||
	die "dnsmasq not listening on udp $INET:53 and [$INET6]:53"
bed_wait "$BED_START_TIMEOUT" bed_listening "$NS_MS" u "$MS:53" "[$MS6]:53" ||
	die "dnsmasq not listening on udp $MS:53 and [$MS6]:53"
say "servers up"

# --- mxgw --------------------------------------------------------------------

# the shipped file's commented mailserver6 and lan6 are the bed's
sed -e "s/\b${E2E_SHIPPED_PUBLIC//./\\.}\b/$PUB/" -e 's/^#\(mailserver6\|lan6\)\([[:space:]]\)/\1\2/' \
	"${MXGW_SHIPPED_CONF:-$E2E_ROOT/etc/mxgw.conf}" >"$BED_CONF"
grep -qx "public[[:space:]]*${PUB//./\\.}" "$BED_CONF" ||
	die "no 'public $PUB' line after replacing $E2E_SHIPPED_PUBLIC in etc/mxgw.conf"
# (a table without them, MXGW_SHIPPED_CONF, gets them)
grep -q '^mailserver6[[:space:]]' "$BED_CONF" || printf 'mailserver6\t%s\nlan6\t\t%s\n' "$MS6" "$LAN6" >>"$BED_CONF"
{ grep -qx "mailserver6[[:space:]]*$MS6" "$BED_CONF" && grep -qx "lan6[[:space:]]*$LAN6" "$BED_CONF"; } ||
	die "the table's mailserver6 and lan6 are not $MS6 and $LAN6"
# XDP through libxdp's dispatcher where this kernel runs it, else direct
# (tests/e2e/lib.sh decides for every test)
e2e_xdp_attach_mode >&2
if [ "$BED_PAIR" != 1 ]; then
	if ! out=$(bed_mx load wan0 2>&1); then
		# as in test_inbound.sh: a machine that cannot load BPF cannot run the bed
		MXGW_BED_CANNOT=1 die "mxctl load wan0: $out"
	fi
	say "$out"
else
	# both gateways, before either has the addresses; then keepalived
	for ns in "$NS_GW" "$NS_GWB"; do
		if ! out=$(nsenter --mount="$BED_MNTNS" --net="/run/netns/$ns" -- \
			"$MXCTL" -c "$BED_CONF" load wan0 --lan lan0 2>&1); then
			MXGW_BED_CANNOT=1 die "mxctl load wan0 --lan lan0 in $ns: $out"
		fi
		say "$ns: $out"
	done
	{ mkdir "$BED_KA" && chmod 700 "$BED_KA"; } || die "mkdir $BED_KA"
	kapair_configs "$BED_KA" "$PUB" ||
		die "the sed found nothing to change in etc/keepalived/keepalived.conf"
	bed_ka_start A
	bed_ka_start B
	kapair_wait_owners A 20 ||
		die "gateway A does not hold $PUB and $LANGW (wan, lan: $(kapair_owners)); see $BED_KA"
	say "keepalived: A is master"
fi
echo "MXGW_BED=$BED"
