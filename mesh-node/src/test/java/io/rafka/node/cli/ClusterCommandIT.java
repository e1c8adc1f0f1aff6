package io.rafka.node.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bin/rafka cluster: a local CQL server and a two-node mesh as real processes, the ring printed, all stopped. */
class ClusterCommandIT {
    @TempDir
    Path dir;

    @Test
    void startsAMeshOnItsOwnCqlServerPrintsTheRingAndStopsEverything() throws Exception {
        int grpc = freeRange(2);
        int cluster = freeRange(2);
        String work = dir.resolve("cluster").toString();
        CqlCommandIT.Run run = CqlCommandIT.rafka("cluster", "--nodes", "2", "--supernodes", "1", "--dir", work,
                "--grpc-port", String.valueOf(grpc), "--cluster-port", String.valueOf(cluster), "--cql-port", "0",
                "--stop-after-ready");
        assertThat(run.exit()).as(run.out()).isZero();
        assertThat(run.out()).contains("ring of cluster 'rafka' (2 nodes, ascending id):");
        Matcher lines = Pattern.compile("  ([0-9a-f]{32})  (node-\\d)\\s+127\\.0\\.0\\.1:(\\d+)\\s+(supernode|lite)").matcher(run.out());
        int found = 0;
        String previous = "";
        while (lines.find()) {
            found++;
            assertThat(lines.group(1)).as("ring order").isGreaterThan(previous);
            previous = lines.group(1);
            int port = Integer.parseInt(lines.group(3));
            assertThat(port).isBetween(grpc, grpc + 1);
            assertThat(lines.group(4)).isEqualTo(lines.group(2).equals("node-0") ? "supernode" : "lite");
        }
        assertThat(found).as(run.out()).isEqualTo(2);
        assertThat(run.out()).contains("stopped 2 nodes").contains("stopped the CQL server");
        CqlCommandIT.Run status = CqlCommandIT.rafka("cql", "status", "--dir", Path.of(work, "cql").toString());
        assertThat(status.exit()).as("no CQL server left behind: %s", status.out()).isEqualTo(3);
    }

    @Test
    void badCountsAreUsageErrors() throws Exception {
        CqlCommandIT.Run none = CqlCommandIT.rafka("cluster", "--nodes", "0", "--dir", dir.toString());
        assertThat(none.exit()).isEqualTo(2);
        assertThat(none.out()).contains("--nodes must be between 1 and 16, was 0");
        CqlCommandIT.Run tooMany = CqlCommandIT.rafka("cluster", "--nodes", "2", "--supernodes", "3", "--dir", dir.toString());
        assertThat(tooMany.exit()).isEqualTo(2);
        assertThat(tooMany.out()).contains("--supernodes must be between 1 and --nodes (2), was 3");
    }

    /** A port p with p .. p+count-1 and p+100 .. p+100+count-1 free (gRPC and HTTP ports of the nodes). */
    private static int freeRange(int count) throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            int base;
            try (ServerSocket s = new ServerSocket(0)) {
                base = s.getLocalPort();
            }
            if (base + 100 + count > 65535) {
                continue;
            }
            if (free(base, count) && free(base + 100, count)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range");
    }

    private static boolean free(int from, int count) {
        for (int p = from; p < from + count; p++) {
            try (ServerSocket s = new ServerSocket(p)) {
                s.setReuseAddress(true);
            } catch (IOException e) {
                return false;
            }
        }
        return true;
    }
}
