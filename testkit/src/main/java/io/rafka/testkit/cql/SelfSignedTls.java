package io.rafka.testkit.cql;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A fresh self-signed key pair for a CQL server on 127.0.0.1, made with the running JDK's
 * {@code keytool}: a PKCS12 key store for the server ({@code LocalCqlServer.Builder.clientTls})
 * and a PKCS12 trust store holding only its certificate, for clients. The certificate names
 * 127.0.0.1 as its subject and as an IP subject alternative name, so host name validation
 * passes, and is valid for two days. Both stores share {@link #password()}.
 *
 * @param keystore   the server's private key and certificate
 * @param truststore the server's certificate alone
 * @param password   the password of both stores (and of the key)
 */
public record SelfSignedTls(Path keystore, Path truststore, String password) {

    /** Writes {@code NAME-keystore.p12}, {@code NAME.crt} and {@code NAME-truststore.p12} to {@code dir}. */
    public static SelfSignedTls create(Path dir, String name) throws IOException {
        Files.createDirectories(dir);
        String password = name + "-store-pw";
        Path keystore = dir.resolve(name + "-keystore.p12");
        Path certificate = dir.resolve(name + ".crt");
        Path truststore = dir.resolve(name + "-truststore.p12");
        keytool(dir, "-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048",
                "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-validity", "2",
                "-storetype", "PKCS12", "-keystore", keystore.toString(), "-storepass", password);
        keytool(dir, "-exportcert", "-rfc", "-alias", name, "-keystore", keystore.toString(), "-storepass", password,
                "-file", certificate.toString());
        keytool(dir, "-importcert", "-noprompt", "-alias", name, "-file", certificate.toString(),
                "-storetype", "PKCS12", "-keystore", truststore.toString(), "-storepass", password);
        return new SelfSignedTls(keystore, truststore, password);
    }

    private static void keytool(Path dir, String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException("keytool " + args[0] + " failed: " + output);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while keytool " + args[0] + " ran", e);
        }
    }
}
