/* Hand-written: see include/cq_crypto.h. */
#include "cq_crypto.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

struct cq_sha256 {
	EVP_MD_CTX *md;
};

cq_sha256 *cq_sha256_new(void)
{
	cq_sha256 *ctx = OPENSSL_malloc(sizeof(cq_sha256));
	if (ctx == NULL)
		return NULL;
	ctx->md = EVP_MD_CTX_new();
	if (ctx->md == NULL || EVP_DigestInit_ex(ctx->md, EVP_sha256(), NULL) != 1) {
		cq_sha256_free(ctx);
		return NULL;
	}
	return ctx;
}

int cq_sha256_update(cq_sha256 *ctx, const void *data, size_t len)
{
	return len == 0 || EVP_DigestUpdate(ctx->md, data, len) == 1;
}

int cq_sha256_final(cq_sha256 *ctx, uint8_t out[32])
{
	unsigned int len = 0;
	int ok = EVP_DigestFinal_ex(ctx->md, out, &len) == 1 && len == 32;
	cq_sha256_free(ctx);
	return ok;
}

void cq_sha256_free(cq_sha256 *ctx)
{
	if (ctx == NULL)
		return;
	EVP_MD_CTX_free(ctx->md);
	OPENSSL_free(ctx);
}

int cq_hmac_sha256(const void *key, size_t key_len, const void *data, size_t len, uint8_t out[32])
{
	unsigned int out_len = 0;
	static const uint8_t empty = 0;
	if (HMAC(EVP_sha256(), key, (int)key_len, len == 0 ? &empty : data, len, out, &out_len) == NULL)
		return 0;
	return out_len == 32;
}

int cq_random_bytes(uint8_t *out, size_t len)
{
	return RAND_bytes(out, (int)len) == 1;
}

void cq_free(void *pointer)
{
	OPENSSL_free(pointer);
}

static int fail(int problem, char *detail, size_t detail_len, const char *text)
{
	unsigned long code = ERR_get_error();
	if (code != 0)
		snprintf(detail, detail_len, "%s (%s)", text, ERR_reason_error_string(code));
	else
		snprintf(detail, detail_len, "%s", text);
	ERR_clear_error();
	return problem;
}

/* Whether the key is one the bureau accepts; sets *description. */
static int acceptable_key(EVP_PKEY *key, const char **description)
{
	int bits = EVP_PKEY_get_bits(key);
	switch (EVP_PKEY_get_base_id(key)) {
	case EVP_PKEY_EC: {
		char curve[64] = {0};
		size_t len = 0;
		if (EVP_PKEY_get_utf8_string_param(key, "group", curve, sizeof(curve), &len) != 1)
			return 0;
		if (strcmp(curve, "prime256v1") == 0) {
			*description = "EC P-256";
			return 1;
		}
		if (strcmp(curve, "secp384r1") == 0) {
			*description = "EC P-384";
			return 1;
		}
		return 0;
	}
	case EVP_PKEY_RSA:
		if (bits >= 4096) {
			*description = "RSA 4096+";
			return 1;
		}
		if (bits >= 3072) {
			*description = "RSA 3072+";
			return 1;
		}
		if (bits >= 2048) {
			*description = "RSA 2048+";
			return 1;
		}
		return 0;
	default:
		return 0;
	}
}

static int add_extension(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return 0;
	int ok = X509_add_ext(cert, ext, -1) == 1;
	X509_EXTENSION_free(ext);
	return ok;
}

int cq_issue_certificate(const char *csr_pem, const char *ca_cert_pem, const char *ca_key_pem,
                         const char *common_name, const char *organisation, const char *uri,
                         const uint8_t *serial, size_t serial_len, int64_t not_before, int64_t not_after,
                         char **cert_pem, const char **key_description, char *detail, size_t detail_len)
{
	int result = CQ_CSR_INTERNAL;
	BIO *bio = NULL;
	X509_REQ *req = NULL;
	X509 *ca = NULL, *cert = NULL;
	EVP_PKEY *ca_key = NULL, *key = NULL;
	BIGNUM *serial_bn = NULL;
	char san[600];

	*cert_pem = NULL;
	ERR_clear_error();

	bio = BIO_new_mem_buf(csr_pem, -1);
	req = bio ? PEM_read_bio_X509_REQ(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	bio = NULL;
	if (req == NULL) {
		result = fail(CQ_CSR_NOT_PEM, detail, detail_len, "not a PEM certificate request");
		goto done;
	}
	key = X509_REQ_get_pubkey(req);
	if (key == NULL || X509_REQ_verify(req, key) != 1) {
		result = fail(CQ_CSR_BAD_SIGNATURE, detail, detail_len, "the request's signature does not verify with its key");
		goto done;
	}
	if (!acceptable_key(key, key_description)) {
		result = fail(CQ_CSR_WEAK_KEY, detail, detail_len,
		              "the key must be EC P-256 or P-384, or RSA of at least 2048 bits");
		goto done;
	}

	bio = BIO_new_mem_buf(ca_cert_pem, -1);
	ca = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	bio = BIO_new_mem_buf(ca_key_pem, -1);
	ca_key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	bio = NULL;
	if (ca == NULL || ca_key == NULL || X509_check_private_key(ca, ca_key) != 1) {
		result = fail(CQ_CSR_CA_UNUSABLE, detail, detail_len, "the CA certificate and key cannot be used together");
		goto done;
	}

	cert = X509_new();
	serial_bn = BN_bin2bn(serial, (int)serial_len, NULL);
	if (cert == NULL || serial_bn == NULL || X509_set_version(cert, 2) != 1 ||
	    BN_to_ASN1_INTEGER(serial_bn, X509_get_serialNumber(cert)) == NULL ||
	    X509_set_issuer_name(cert, X509_get_subject_name(ca)) != 1 ||
	    ASN1_TIME_set(X509_getm_notBefore(cert), (time_t)not_before) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(cert), (time_t)not_after) == NULL ||
	    X509_set_pubkey(cert, key) != 1) {
		result = fail(CQ_CSR_INTERNAL, detail, detail_len, "cannot build the certificate");
		goto done;
	}
	X509_NAME *name = X509_get_subject_name(cert);
	if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8, (const unsigned char *)organisation, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)common_name, -1, -1, 0) != 1) {
		result = fail(CQ_CSR_INTERNAL, detail, detail_len, "cannot set the subject");
		goto done;
	}
	snprintf(san, sizeof(san), "URI:%s", uri);
	if (!add_extension(cert, ca, NID_basic_constraints, "critical,CA:FALSE") ||
	    !add_extension(cert, ca, NID_key_usage, "critical,digitalSignature") ||
	    !add_extension(cert, ca, NID_ext_key_usage, "clientAuth") ||
	    !add_extension(cert, ca, NID_subject_alt_name, san) ||
	    !add_extension(cert, ca, NID_subject_key_identifier, "hash") ||
	    !add_extension(cert, ca, NID_authority_key_identifier, "keyid:always")) {
		result = fail(CQ_CSR_INTERNAL, detail, detail_len, "cannot add the extensions");
		goto done;
	}
	if (X509_sign(cert, ca_key, EVP_sha256()) <= 0) {
		result = fail(CQ_CSR_INTERNAL, detail, detail_len, "cannot sign the certificate");
		goto done;
	}

	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_X509(bio, cert) != 1) {
		result = fail(CQ_CSR_INTERNAL, detail, detail_len, "cannot encode the certificate");
		goto done;
	}
	char *data = NULL;
	long len = BIO_get_mem_data(bio, &data);
	*cert_pem = OPENSSL_malloc((size_t)len + 1);
	if (*cert_pem == NULL) {
		result = fail(CQ_CSR_INTERNAL, detail, detail_len, "out of memory");
		goto done;
	}
	memcpy(*cert_pem, data, (size_t)len);
	(*cert_pem)[len] = '\0';
	result = CQ_CSR_OK;
	detail[0] = '\0';

done:
	BIO_free(bio);
	BN_free(serial_bn);
	X509_free(cert);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(key);
	X509_REQ_free(req);
	return result;
}

int cq_sign(const char *key_pem, const void *data, size_t len, uint8_t **signature, size_t *signature_len,
            const char **algorithm)
{
	int ok = 0;
	EVP_MD_CTX *md = NULL;
	BIO *bio = BIO_new_mem_buf(key_pem, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	*signature = NULL;
	if (key == NULL)
		goto done;
	*algorithm = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA ? "sha256WithRSAEncryption" : "ecdsa-with-SHA256";
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, signature_len, data, len) != 1)
		goto done;
	*signature = OPENSSL_malloc(*signature_len);
	if (*signature == NULL || EVP_DigestSign(md, *signature, signature_len, data, len) != 1) {
		OPENSSL_free(*signature);
		*signature = NULL;
		goto done;
	}
	ok = 1;
done:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	BIO_free(bio);
	return ok;
}

int cq_verify(const char *cert_pem, const void *data, size_t len, const uint8_t *signature, size_t signature_len)
{
	int ok = 0;
	EVP_MD_CTX *md = NULL;
	BIO *bio = BIO_new_mem_buf(cert_pem, -1);
	X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
	EVP_PKEY *key = cert ? X509_get_pubkey(cert) : NULL;
	if (key == NULL)
		goto done;
	md = EVP_MD_CTX_new();
	ok = md != NULL && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestVerify(md, signature, signature_len, data, len) == 1;
done:
	ERR_clear_error();
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	X509_free(cert);
	BIO_free(bio);
	return ok;
}

cq_key *cq_ed25519_load_private(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *key = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
	BIO_free(bio);
	ERR_clear_error();
	if (key != NULL && EVP_PKEY_get_base_id(key) != EVP_PKEY_ED25519) {
		EVP_PKEY_free(key);
		return NULL;
	}
	return key;
}

cq_key *cq_ed25519_generate(void)
{
	EVP_PKEY *key = NULL;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 || EVP_PKEY_keygen(ctx, &key) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(ctx);
	ERR_clear_error();
	return key;
}

int cq_ed25519_public(const cq_key *key, uint8_t out[32])
{
	size_t len = 32;
	return EVP_PKEY_get_raw_public_key(key, out, &len) == 1 && len == 32;
}

int cq_ed25519_private(const cq_key *key, uint8_t out[32])
{
	size_t len = 32;
	return EVP_PKEY_get_raw_private_key(key, out, &len) == 1 && len == 32;
}

int cq_ed25519_sign(cq_key *key, const void *data, size_t len, uint8_t out[64])
{
	size_t signature_len = 64;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, key) == 1 &&
	         EVP_DigestSign(md, out, &signature_len, data, len) == 1 && signature_len == 64;
	EVP_MD_CTX_free(md);
	ERR_clear_error();
	return ok;
}

int cq_ed25519_verify(const uint8_t public_key[32], const void *data, size_t len, const uint8_t signature[64])
{
	EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, public_key, 32);
	EVP_MD_CTX *md = key ? EVP_MD_CTX_new() : NULL;
	int ok = md != NULL && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1 &&
	         EVP_DigestVerify(md, signature, 64, data, len) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	ERR_clear_error();
	return ok;
}

void cq_key_free(cq_key *key)
{
	EVP_PKEY_free(key);
}
