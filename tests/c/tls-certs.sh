#!/bin/sh
# Throwaway PKI for tests/c/test_native_tls.c, generated at test time into DIR
# with the openssl CLI: ECDSA P-256 and RSA-2048 chains (leaf <- intermediate
# <- root), plus leaves that must be refused (expired, not yet valid, wrong
# host, unknown CA, self-signed). Usage: tls-certs.sh DIR
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"

# An `openssl ca` setup, the one CLI path in OpenSSL 3.0 that sets arbitrary
# notBefore/notAfter dates (x509 -req only has -days).
cat > ca.cnf <<'CNF'
[ca]
default_ca = ca_any
[ca_any]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none
[policy_any]
commonName = supplied
[v3_ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[v3_other]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:other.example
[v3_self]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
CNF
: > index.txt
echo 1000 > serial

key() { # name kind
  if [ "$2" = ec ]; then
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key" 2>/dev/null
  else
    openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$1.key" 2>/dev/null
  fi
}
root() { # name kind
  key "$1" "$2"
  openssl req -x509 -new -key "$1.key" -sha256 -days 30 -subj "/CN=vaultlink test $1" \
    -config ca.cnf -extensions v3_ca -out "$1.pem"
}
# sign name kind issuer extensions startdate enddate
sign() {
  key "$1" "$2"
  openssl req -new -key "$1.key" -subj "/CN=vaultlink test $1" -out "$1.csr"
  openssl ca -batch -config ca.cnf -notext -cert "$3.pem" -keyfile "$3.key" -extensions "$4" \
    -startdate "$5" -enddate "$6" -in "$1.csr" -out "$1.pem" 2>/dev/null
}

now_minus() { date -u -d "@$(($(date +%s) - $1))" +%Y%m%d%H%M%SZ; }
now_plus() { date -u -d "@$(($(date +%s) + $1))" +%Y%m%d%H%M%SZ; }
day=86400
from=$(now_minus $day)
to=$(now_plus $((30 * day)))

for kind in ec rsa; do
  root "${kind}_root" "$kind"
  sign "${kind}_inter" "$kind" "${kind}_root" v3_ca "$from" "$to"
  sign "${kind}_leaf" "$kind" "${kind}_inter" v3_leaf "$from" "$to"
  cat "${kind}_leaf.pem" "${kind}_inter.pem" > "${kind}_chain.pem"
done
sign expired ec ec_inter v3_leaf "$(now_minus $((20 * day)))" "$(now_minus $((10 * day)))"
sign notyet ec ec_inter v3_leaf "$(now_plus $((10 * day)))" "$(now_plus $((20 * day)))"
sign wronghost ec ec_inter v3_other "$from" "$to"
for n in expired notyet wronghost; do cat "$n.pem" ec_inter.pem > "${n}_chain.pem"; done
root stranger_root ec
sign stranger_leaf ec stranger_root v3_leaf "$from" "$to"
key self ec
openssl req -x509 -new -key self.key -sha256 -days 30 -subj "/CN=localhost" -config ca.cnf \
  -extensions v3_self -out self.pem
cat ec_root.pem rsa_root.pem > anchors.pem
