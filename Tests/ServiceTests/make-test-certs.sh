#!/usr/bin/env bash
# Certificates for the end-to-end tests, made at run time (never committed, never expiring
# under the tests' feet): the development set (certs/dev-certs.sh) plus
#   stranger.pem/-key.pem   a city-officer identity signed by another CA
#   expired.pem/-key.pem    a city-officer identity, valid 2020-01-01 to 2020-01-02
#   revoked.pem/-key.pem    a city-officer identity to be put on the revocation list
#   nouri.pem/-key.pem      signed by the CA, but without a URI SAN
#   baduri.pem/-key.pem     signed by the CA, with a URI SAN of no known shape
set -euo pipefail
dir=${1:?usage: $0 DIR}
here=$(cd "$(dirname "$0")" && pwd)
"$here/../../certs/dev-certs.sh" "$dir" >/dev/null
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
ext() { # SAN-line
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n%s\n' "$1"
}

# sign NAME CA CAKEY EXTENSIONS [STARTDATE ENDDATE]
sign() {
  local name=$1 ca=$2 cakey=$3 extensions=$4 start=${5:-} end=${6:-}
  key "$name-key.pem"
  openssl req -new -key "$name-key.pem" -subj "/CN=$name" -out "$name.csr" 2>/dev/null
  printf '%s\n' "$extensions" > "$name.ext"
  if [ -n "$start" ]; then
    mkdir -p "$name.db" && : > "$name.db/index.txt" && echo 1000 > "$name.db/serial"
    cat > "$name.db/ca.cnf" <<CNF
[ca]
default_ca = dated
[dated]
database = $name.db/index.txt
new_certs_dir = $name.db
serial = $name.db/serial
default_md = sha256
policy = any
[any]
commonName = supplied
CNF
    openssl ca -batch -config "$name.db/ca.cnf" -cert "$ca" -keyfile "$cakey" -in "$name.csr" \
      -out "$name.pem" -startdate "$start" -enddate "$end" -extfile "$name.ext" -notext 2>/dev/null
    rm -rf "$name.db"
  else
    openssl x509 -req -in "$name.csr" -CA "$ca" -CAkey "$cakey" -CAcreateserial -sha256 -days 30 \
      -extfile "$name.ext" -out "$name.pem" 2>/dev/null
  fi
  rm -f "$name.csr" "$name.ext"
}

key other-ca-key.pem
openssl req -x509 -new -key other-ca-key.pem -sha256 -days 30 -out other-ca.pem -subj "/CN=another CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" 2>/dev/null
sign stranger other-ca.pem other-ca-key.pem "$(ext subjectAltName=URI:spiffe://cq-monitoring/bureau/city/stranger)"
sign expired ca.pem ca-key.pem "$(ext subjectAltName=URI:spiffe://cq-monitoring/bureau/city/expired)" 20200101000000Z 20200102000000Z
sign revoked ca.pem ca-key.pem "$(ext subjectAltName=URI:spiffe://cq-monitoring/bureau/city/revoked)"
sign nouri ca.pem ca-key.pem "$(ext subjectAltName=DNS:example.org)"
sign baduri ca.pem ca-key.pem "$(ext subjectAltName=URI:spiffe://cq-monitoring/bureau/province/someone)"
rm -f ca.srl other-ca.srl
