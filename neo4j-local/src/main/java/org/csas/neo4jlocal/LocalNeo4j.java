package org.csas.neo4jlocal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.connectors.HttpsConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;
import org.neo4j.kernel.api.procedure.GlobalProcedures;
import org.neo4j.kernel.internal.GraphDatabaseAPI;

/**
 * The embedded Neo4j 5.26 that CSAS-graph runs on one machine.
 *
 * <p>Arguments: {@code HOME PORT PASSWORD_FILE [PAGECACHE_MB] [TX_MAX_MB]}.
 *
 * <p>Authentication is always on. The password is generated at first start and written to
 * PASSWORD_FILE with owner-only permissions. On a brand-new store the password is set while
 * Bolt is still closed, so no other local user can race us to change the default
 * {@code neo4j/neo4j} account over Bolt. Heap size comes from the launcher's {@code -Xmx}.
 */
public final class LocalNeo4j {
    private LocalNeo4j() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: LocalNeo4j HOME PORT PASSWORD_FILE [PAGECACHE_MB] [TX_MAX_MB]");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        Path passwordFile = Path.of(args[2]).toAbsolutePath();
        long pagecacheMb = args.length > 3 ? Long.parseLong(args[3]) : 512;
        long txMaxMb = args.length > 4 ? Long.parseLong(args[4]) : 1024;

        String password = readOrCreatePassword(passwordFile);
        boolean newStore = !Files.isDirectory(home.resolve("data").resolve("databases").resolve("system"));
        if (newStore) {
            // First start: set the password with Bolt closed, then restart with Bolt open.
            DatabaseManagementService closed = builder(home, port, pagecacheMb, txMaxMb, false).build();
            setPassword(closed, password);
            closed.shutdown();
        }
        DatabaseManagementService dbms = builder(home, port, pagecacheMb, txMaxMb, true).build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            dbms.shutdown();
            stopped.countDown();
        }, "csas-neo4j-shutdown"));
        if (!newStore) {
            setPassword(dbms, password); // keeps the store in step if the password file was replaced
        }
        dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME); // waits until "neo4j" is online
        registerFunctions(dbms); // before the readiness line: no client runs a query earlier
        waitForBolt(port);
        System.out.println("CSAS_NEO4J_READY bolt://127.0.0.1:" + port);
        System.out.flush();
        stopped.await(); // SIGTERM runs the shutdown hook, which releases this thread
    }

    /**
     * APOC core's utility functions ({@code apoc.util.sha256} among them), which a server gets
     * from its plugins folder: embedded, they are registered from the class path. The audit
     * chain hashes each record inside the transaction that appends it, under the head's lock.
     */
    private static void registerFunctions(DatabaseManagementService dbms) throws Exception {
        GraphDatabaseAPI db = (GraphDatabaseAPI) dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
        db.getDependencyResolver().resolveDependency(GlobalProcedures.class).registerFunction(apoc.util.Utils.class);
    }

    private static DatabaseManagementServiceBuilder builder(
            Path home, int port, long pagecacheMb, long txMaxMb, boolean bolt) {
        return new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, bolt)
                .setConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                // routing (neo4j://) hands clients the advertised address, so it must be the real one
                .setConfig(BoltConnector.advertised_address, new SocketAddress("127.0.0.1", port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(HttpConnector.enabled, false)
                .setConfig(HttpsConnector.enabled, false)
                .setConfig(GraphDatabaseSettings.auth_enabled, true)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMb))
                .setConfig(GraphDatabaseSettings.memory_transaction_global_max_size, ByteUnit.mebiBytes(txMaxMb))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "false");
    }

    private static void setPassword(DatabaseManagementService dbms, String password) {
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $pw CHANGE NOT REQUIRED", Map.of("pw", password));
        } catch (RuntimeException e) {
            // Neo4j refuses to "change" a password to the one already set; that is the steady state.
            String msg = String.valueOf(e.getMessage());
            if (!msg.contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }

    private static String readOrCreatePassword(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file, StandardCharsets.UTF_8).trim();
        }
        Files.createDirectories(file.getParent());
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(tmp, password, StandardCharsets.UTF_8);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return password;
    }

    private static void waitForBolt(int port) throws InterruptedException {
        for (int i = 0; i < 600; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("Bolt did not accept connections on port " + port);
    }
}
