package io.rafka.node.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Unmatched;

/** Runs the deterministic Pastry simulator (module pastry-routing); options pass through. */
@Command(name = "simulate", description = "Run the deterministic Pastry routing simulator; --help lists its options.")
final class SimulateCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return io.rafka.pastry.sim.SimulatorMain.run(args.toArray(String[]::new), System.out, System.err);
    }
}
