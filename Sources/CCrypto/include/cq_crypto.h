/*
 * The project's OpenSSL (libcrypto) calls, kept to a few plain C functions so that Swift never
 * touches OpenSSL's macros and ownership rules: digests, and the bureau CA's signing of
 * agencies' certificate requests. Hand-written.
 */
#ifndef CQ_CRYPTO_H
#define CQ_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* SHA-256, incrementally. cq_sha256_new returns NULL when out of memory. */
typedef struct cq_sha256 cq_sha256;
cq_sha256 *cq_sha256_new(void);
int cq_sha256_update(cq_sha256 *ctx, const void *data, size_t len);
/* Writes 32 bytes to out and frees ctx. */
int cq_sha256_final(cq_sha256 *ctx, uint8_t out[32]);
void cq_sha256_free(cq_sha256 *ctx);

/* HMAC-SHA256 of data under key into out; 1 on success. */
int cq_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t out[32]);

/* len bytes from OpenSSL's CSPRNG into out; 1 on success. */
int cq_random_bytes(uint8_t *out, size_t len);

/* What a certificate request is refused for. */
enum cq_csr_problem {
  CQ_CSR_OK = 0,
  CQ_CSR_NOT_PEM = 1,          /* not a PEM certificate request */
  CQ_CSR_BAD_SIGNATURE = 2,    /* the request is not signed by its own key */
  CQ_CSR_WEAK_KEY = 3,         /* not EC P-256/P-384, nor RSA of 2048 bits or more */
  CQ_CSR_CA_UNUSABLE = 4,      /* the CA certificate or key cannot be read or do not match */
  CQ_CSR_INTERNAL = 5          /* OpenSSL failed otherwise */
};

/*
 * Checks a PEM certificate request and issues a client certificate for it, signed by the CA:
 * subject CN=common_name, O=organisation; a single URI SAN `uri`; extended key usage
 * clientAuth; key usage digitalSignature; not a CA; valid from not_before to not_after (Unix
 * seconds); the given serial (big-endian bytes, at most 20). The request's own subject and
 * extensions are ignored.
 *
 * On success returns CQ_CSR_OK and sets *cert_pem (malloc'd, NUL-terminated; free with
 * cq_free) and *key_description (e.g. "EC P-256"; static). Otherwise returns the problem and
 * writes a short explanation into detail (detail_len bytes at most).
 */
int cq_issue_certificate(const char *csr_pem, const char *ca_cert_pem, const char *ca_key_pem,
                         const char *common_name, const char *organisation, const char *uri,
                         const uint8_t *serial, size_t serial_len, int64_t not_before, int64_t not_after,
                         char **cert_pem, const char **key_description, char *detail, size_t detail_len);

/*
 * Signs `data` with the PEM private key (EC: ECDSA with SHA-256; RSA: PKCS#1 v1.5 with
 * SHA-256). On success returns 1 and sets *signature (malloc'd, free with cq_free),
 * *signature_len and *algorithm ("ecdsa-with-SHA256" or "sha256WithRSAEncryption"; static).
 */
int cq_sign(const char *key_pem, const void *data, size_t len, uint8_t **signature, size_t *signature_len,
            const char **algorithm);

/* Whether `signature` over `data` verifies with the public key of the PEM certificate. */
int cq_verify(const char *cert_pem, const void *data, size_t len, const uint8_t *signature, size_t signature_len);

/*
 * Ed25519, for the bureau signing key (receipts, checkpoints, bulletins). A key is an opaque
 * EVP_PKEY loaded once and shared: signing with it from several threads at once is safe.
 */
typedef struct evp_pkey_st cq_key;
/* The Ed25519 private key in `pem` (PKCS#8), or NULL when it is not one. */
cq_key *cq_ed25519_load_private(const char *pem);
/* A new random Ed25519 key (for tests and key generation). */
cq_key *cq_ed25519_generate(void);
/* The raw 32-byte public key. */
int cq_ed25519_public(const cq_key *key, uint8_t out[32]);
/* The raw 32-byte private key seed (to write a key out); 1 on success. */
int cq_ed25519_private(const cq_key *key, uint8_t out[32]);
/* A 64-byte signature over data. */
int cq_ed25519_sign(cq_key *key, const void *data, size_t len, uint8_t out[64]);
/* Whether the 64-byte signature over data verifies with the raw public key. */
int cq_ed25519_verify(const uint8_t public_key[32], const void *data, size_t len, const uint8_t signature[64]);
void cq_key_free(cq_key *key);

void cq_free(void *pointer);

#endif
