package io.geogate.token;

import io.smallrye.jwt.algorithm.SignatureAlgorithm;
import org.jose4j.jwk.JsonWebKey;
import org.jose4j.jwk.JsonWebKeySet;
import org.jose4j.jwk.PublicJsonWebKey;
import org.jose4j.lang.JoseException;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The keys tokens must be signed with: one PEM public key (or certificate), or a JWKS whose keys are
 * matched by {@code kid}. Only RSA keys of at least 2048 bits (RS256) and EC P-256 keys (ES256) are
 * accepted; anything else refuses the whole file, so a weak key is never in service.
 *
 * @param pem  the single key of a PEM file, with the one algorithm it verifies
 * @param jwks the JWKS document, when the file is one
 */
public record TokenKeys(Optional<SingleKey> pem, Optional<String> jwks, String source) {

    public static final int MIN_RSA_BITS = 2048;

    /** A PEM key and the algorithm it verifies. */
    public record SingleKey(PublicKey key, SignatureAlgorithm algorithm) {
    }

    /**
     * Reads {@code spec}: the PEM text itself when it starts with {@code -----BEGIN}, otherwise the path
     * of a PEM or JWKS file.
     */
    public static TokenKeys load(String spec) throws InvalidTokenKeysException {
        String text;
        String source;
        if (spec.strip().startsWith("-----BEGIN")) {
            text = spec;
            source = "inline PEM";
        } else {
            try {
                text = Files.readString(Path.of(spec), StandardCharsets.UTF_8);
                source = "file:" + spec;
            } catch (IOException e) {
                throw new InvalidTokenKeysException("token key file " + spec + " cannot be read: " + e.getMessage(), e);
            }
        }
        String trimmed = text.strip();
        if (trimmed.startsWith("{")) {
            return new TokenKeys(Optional.empty(), Optional.of(checkedJwks(trimmed, source)), source);
        }
        return new TokenKeys(Optional.of(pemKey(trimmed, source)), Optional.empty(), source);
    }

    private static String checkedJwks(String json, String source) throws InvalidTokenKeysException {
        List<JsonWebKey> keys;
        try {
            keys = json.contains("\"keys\"") ? new JsonWebKeySet(json).getJsonWebKeys() : List.of(JsonWebKey.Factory.newJwk(json));
        } catch (JoseException e) {
            throw new InvalidTokenKeysException(source + " is not a JWKS: " + e.getMessage(), e);
        }
        if (keys.isEmpty()) {
            throw new InvalidTokenKeysException(source + " holds no keys");
        }
        List<String> problems = new ArrayList<>();
        for (JsonWebKey jwk : keys) {
            String name = "key " + (jwk.getKeyId() == null ? "without kid" : "'" + jwk.getKeyId() + "'");
            if (!(jwk instanceof PublicJsonWebKey pub) || pub.getPublicKey() == null) {
                problems.add(name + " is not a public key (only RSA and EC public keys verify tokens)");
                continue;
            }
            try {
                algorithmFor(pub.getPublicKey());
            } catch (InvalidTokenKeysException e) {
                problems.add(name + ": " + e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidTokenKeysException(source + ": " + String.join("; ", problems));
        }
        return json;
    }

    private static SingleKey pemKey(String pem, String source) throws InvalidTokenKeysException {
        PublicKey key;
        try {
            if (pem.contains("BEGIN CERTIFICATE")) {
                key = CertificateFactory.getInstance("X.509")
                        .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).getPublicKey();
            } else {
                byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
                key = decode(der);
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new InvalidTokenKeysException(source + " is not a PEM public key, certificate or JWKS: " + e.getMessage(), e);
        }
        return new SingleKey(key, algorithmFor(key));
    }

    private static PublicKey decode(byte[] der) throws GeneralSecurityException {
        try {
            return KeyFactory.getInstance("RSA").generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException notRsa) {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
        }
    }

    /** RS256 for RSA keys of 2048 bits or more, ES256 for P-256 keys; anything else is refused. */
    static SignatureAlgorithm algorithmFor(PublicKey key) throws InvalidTokenKeysException {
        if (key instanceof RSAPublicKey rsa) {
            int bits = rsa.getModulus().bitLength();
            if (bits < MIN_RSA_BITS) {
                throw new InvalidTokenKeysException("RSA key of " + bits + " bits is under the " + MIN_RSA_BITS + " required");
            }
            return SignatureAlgorithm.RS256;
        }
        if (key instanceof ECPublicKey ec && ec.getParams().getCurve().getField().getFieldSize() == 256
                && ec.getParams().getOrder().bitLength() == 256) {
            return SignatureAlgorithm.ES256;
        }
        throw new InvalidTokenKeysException("only RSA (RS256) and EC P-256 (ES256) keys are accepted, not " + key.getAlgorithm());
    }
}
