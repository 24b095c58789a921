# shellcheck shell=bash
# scripts/lib/keys.sh: The token signing key pair and the self-signed TLS certificate.
# Sourced by scripts/lib.sh (source that, not this).

# EC P-256 key pair that signs the demo/test tokens (ES256). The kid is a
# fingerprint of the public key, so it changes when the key does.
perinatal_ensure_keys() {
    local priv=$PERINATAL_TOKEN_KEY pub=$PERINATAL_JWT_PUBLIC_KEY
    if [[ ! -s $priv || ! -s $pub ]]; then
        perinatal_log "generating the JWT signing key pair in ${PERINATAL_KEYS_DIR#"$PERINATAL_REPO"/}"
        (umask 077 && openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
            -pkeyopt ec_param_enc:named_curve -out "$priv.tmp" 2>/dev/null)
        openssl pkey -in "$priv.tmp" -pubout -out "$pub.tmp" 2>/dev/null
        mv "$priv.tmp" "$priv"
        mv "$pub.tmp" "$pub"
        rm -f "$PERINATAL_KEYS_DIR/jwt.kid"
    fi
    if [[ ! -s $PERINATAL_KEYS_DIR/jwt.kid ]]; then
        openssl pkey -pubin -in "$pub" -outform DER 2>/dev/null | sha256sum |
            cut -c1-16 | sed 's/^/local-/' >"$PERINATAL_KEYS_DIR/jwt.kid"
    fi
    PERINATAL_TOKEN_KID=$(<"$PERINATAL_KEYS_DIR/jwt.kid")
    chmod 0600 "$priv"
    chmod 0644 "$pub" "$PERINATAL_KEYS_DIR/jwt.kid"
    if perinatal_is_root; then
        chown "$PERINATAL_RUN_USER:" "$priv" "$pub" "$PERINATAL_KEYS_DIR/jwt.kid"
    fi
}

# Self-signed ECDSA P-256 certificate for localhost; renewed when it has
# less than 30 days left.
perinatal_ensure_tls() {
    local cert=$PERINATAL_TLS_CERT key=$PERINATAL_TLS_KEY
    if [[ -s $cert && -s $key ]] && openssl x509 -in "$cert" -noout -checkend 2592000 >/dev/null 2>&1; then
        return 0
    fi
    perinatal_log "generating a self-signed TLS certificate for localhost in ${PERINATAL_TLS_DIR#"$PERINATAL_REPO"/}"
    (umask 077 && openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 \
        -nodes -sha256 -days 825 -subj "/CN=localhost" \
        -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1" \
        -addext "keyUsage=critical,digitalSignature" \
        -addext "extendedKeyUsage=serverAuth" \
        -keyout "$key.tmp" -out "$cert.tmp" 2>/dev/null)
    mv "$key.tmp" "$key"
    mv "$cert.tmp" "$cert"
    chmod 0600 "$key"
    chmod 0644 "$cert"
    if perinatal_is_root; then chown "$PERINATAL_RUN_USER:" "$key" "$cert"; fi
}
