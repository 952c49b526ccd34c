#!/usr/bin/env bash
# Development certificates, made with plain openssl:
#   certs/dev-certs.sh DIR
#   certs/dev-certs.sh --signing-key-only DIR   (only the signing key, for an older DIR)
# writes into DIR: ca.pem, ca-key.pem (the development "bureau CA"), server.pem,
# server-key.pem (SANs localhost and 127.0.0.1), and one client pair per role:
#   city.pem/city-key.pem          spiffe://cq-monitoring/bureau/city/dev-officer
#   district.pem/district-key.pem  spiffe://cq-monitoring/bureau/district/500103/dev-officer
#   agency.pem/agency-key.pem      spiffe://cq-monitoring/agency/91500000MA5U7BCX7A
#   partner.pem/partner-key.pem    spiffe://cq-monitoring/partner/market-regulator
# and the development bureau signing key (Ed25519; receipts, checkpoints, bulletins):
#   signing-key.pem, signing-key.pub.pem
# Keys are EC P-256; certificates last 825 days. Never use these outside development: see
# certs/README.md for production.
set -euo pipefail
signing_key() { # DIR
  openssl genpkey -algorithm ed25519 -out "$1/signing-key.pem" 2>/dev/null
  chmod 600 "$1/signing-key.pem"
  openssl pkey -in "$1/signing-key.pem" -pubout -out "$1/signing-key.pub.pem"
}
if [ "${1:-}" = --signing-key-only ]; then
  signing_key "${2:?usage: $0 --signing-key-only DIR}"
  exit 0
fi
dir=${1:?usage: $0 DIR}
days=${DEV_CERT_DAYS:-825}
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; chmod 600 "$1"; }

key ca-key.pem
openssl req -x509 -new -key ca-key.pem -sha256 -days 3650 -out ca.pem \
  -subj "/O=Chongqing Ecology and Environment Bureau (development)/CN=cq-monitoring dev CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# issue NAME SUBJECT EXTENSIONS: NAME.pem and NAME-key.pem signed by the CA.
issue() {
  local name=$1 subject=$2 extensions=$3
  key "$name-key.pem"
  openssl req -new -key "$name-key.pem" -subj "$subject" -out "$name.csr" 2>/dev/null
  printf '%s\n' "$extensions" > "$name.ext"
  openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 \
    -days "$days" -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  rm -f "$name.csr" "$name.ext"
}

client_ext() {
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\nsubjectAltName=URI:%s\n' "$1"
}

issue server "/O=cq-monitoring dev/CN=localhost" \
  "$(printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n')"
issue city "/O=cq-monitoring dev/CN=dev-officer (city)" "$(client_ext spiffe://cq-monitoring/bureau/city/dev-officer)"
issue district "/O=cq-monitoring dev/CN=dev-officer (Yuzhong)" "$(client_ext spiffe://cq-monitoring/bureau/district/500103/dev-officer)"
issue agency "/O=cq-monitoring dev/CN=91500000MA5U7BCX7A" "$(client_ext spiffe://cq-monitoring/agency/91500000MA5U7BCX7A)"
issue partner "/O=cq-monitoring dev/CN=market-regulator" "$(client_ext spiffe://cq-monitoring/partner/market-regulator)"
signing_key .
rm -f ca.srl
echo "development certificates written to $dir"
