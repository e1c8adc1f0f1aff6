package io.rafka.cql;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Just enough of the CQL native protocol (version 4) to log in with a user name and password
 * and run one statement, so that {@link LocalCqlServer} can tell when its default superuser
 * exists and create a role without a driver on its classpath. One connection per call; not a
 * client for anything else.
 */
final class NativeProtocolLogin {
    private static final byte VERSION = 0x04;
    private static final byte OP_ERROR = 0x00;
    private static final byte OP_STARTUP = 0x01;
    private static final byte OP_READY = 0x02;
    private static final byte OP_AUTHENTICATE = 0x03;
    private static final byte OP_QUERY = 0x07;
    private static final byte OP_RESULT = 0x08;
    private static final byte OP_AUTH_RESPONSE = 0x0F;
    private static final byte OP_AUTH_SUCCESS = 0x10;
    private static final short CONSISTENCY_ONE = 0x0001;
    private static final int MAX_BODY = 1 << 20;

    /** Why a login or statement did not succeed: the server's error, or a broken connection. */
    static final class Refused extends IOException {
        private static final long serialVersionUID = 1L;

        Refused(String message) {
            super(message);
        }
    }

    private NativeProtocolLogin() {
    }

    /**
     * Logs in as {@code username} and runs {@code statement}, if any.
     *
     * @param tlsTrust a key or trust store whose certificates the server's must be among; empty
     *                 for a plain connection
     * @throws Refused when the server answers with an error (wrong password, unknown role, bad
     *                 statement) or without asking for a password
     */
    static void run(InetSocketAddress address, Optional<KeyStore> tlsTrust, String username, String password,
                    Optional<String> statement) throws IOException {
        try (Socket socket = connect(address, tlsTrust)) {
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            DataInputStream in = new DataInputStream(socket.getInputStream());
            ByteBuffer startup = ByteBuffer.allocate(64);
            startup.putShort((short) 1);
            putString(startup, "CQL_VERSION");
            putString(startup, "3.0.0");
            send(out, OP_STARTUP, startup);
            byte op = receive(in);
            if (op == OP_READY) {
                throw new Refused("the server at " + address + " logged in without asking for a password");
            }
            expect(OP_AUTHENTICATE, op, "STARTUP");

            byte[] user = username.getBytes(StandardCharsets.UTF_8);
            byte[] pass = password.getBytes(StandardCharsets.UTF_8);
            ByteBuffer auth = ByteBuffer.allocate(4 + 2 + user.length + pass.length);
            // SASL PLAIN: empty authorization id, user, password, NUL-separated.
            auth.putInt(2 + user.length + pass.length).put((byte) 0).put(user).put((byte) 0).put(pass);
            send(out, OP_AUTH_RESPONSE, auth);
            expect(OP_AUTH_SUCCESS, receive(in), "AUTH_RESPONSE");

            if (statement.isPresent()) {
                byte[] cql = statement.get().getBytes(StandardCharsets.UTF_8);
                ByteBuffer query = ByteBuffer.allocate(4 + cql.length + 3);
                query.putInt(cql.length).put(cql).putShort(CONSISTENCY_ONE).put((byte) 0);
                send(out, OP_QUERY, query);
                expect(OP_RESULT, receive(in), "QUERY");
            }
        }
    }

    private static Socket connect(InetSocketAddress address, Optional<KeyStore> tlsTrust) throws IOException {
        Socket plain = new Socket();
        try {
            plain.connect(address, 2_000);
            plain.setSoTimeout(10_000);
            if (tlsTrust.isEmpty()) {
                return plain;
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(tlsTrust.get());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, tmf.getTrustManagers(), null);
            SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(plain, address.getHostString(),
                    address.getPort(), true);
            tls.startHandshake();
            return tls;
        } catch (IOException | GeneralSecurityException | RuntimeException e) {
            plain.close();
            throw e instanceof IOException io ? io : new IOException("TLS set-up towards " + address + " failed: " + e, e);
        }
    }

    private static void send(DataOutputStream out, byte opcode, ByteBuffer body) throws IOException {
        body.flip();
        out.writeByte(VERSION);
        out.writeByte(0); // flags
        out.writeShort(0); // stream id: one request at a time
        out.writeByte(opcode);
        out.writeInt(body.remaining());
        out.write(body.array(), 0, body.remaining());
        out.flush();
    }

    /** The opcode of the next frame; an ERROR frame becomes {@link Refused} with its message. */
    private static byte receive(DataInputStream in) throws IOException {
        byte[] header = new byte[9];
        in.readFully(header);
        ByteBuffer h = ByteBuffer.wrap(header);
        byte version = h.get();
        if ((version & 0x7F) != VERSION) {
            throw new Refused("the server answered with protocol version " + (version & 0x7F) + ", not " + VERSION);
        }
        h.get(); // flags
        h.getShort(); // stream id
        byte opcode = h.get();
        int length = h.getInt();
        if (length < 0 || length > MAX_BODY) {
            throw new Refused("the server sent a frame of " + length + " bytes");
        }
        byte[] body = new byte[length];
        in.readFully(body);
        if (opcode == OP_ERROR) {
            ByteBuffer b = ByteBuffer.wrap(body);
            int code = b.getInt();
            byte[] message = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(message);
            throw new Refused("error 0x" + Integer.toHexString(code) + ": " + new String(message, StandardCharsets.UTF_8));
        }
        return opcode;
    }

    private static void expect(byte wanted, byte got, String after) throws Refused {
        if (wanted != got) {
            throw new Refused("unexpected reply opcode 0x" + Integer.toHexString(got) + " to " + after);
        }
    }

    private static void putString(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        b.putShort((short) bytes.length).put(bytes);
    }
}
