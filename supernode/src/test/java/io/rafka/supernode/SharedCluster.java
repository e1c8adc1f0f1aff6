package io.rafka.supernode;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Hands test classes one cluster of two full members (backup count 1) and one lite member, started
 * once per test run and terminated at its end: starting members is the slow part of these tests.
 * Tests sharing it use their own topic names, node ids, keys and groups.
 */
final class SharedCluster implements ParameterResolver {

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(Resource.class, key -> new Resource(TestCluster.start(2, 1, 1)), Resource.class)
                .cluster;
    }

    private record Resource(TestCluster cluster) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            cluster.close();
        }
    }
}
