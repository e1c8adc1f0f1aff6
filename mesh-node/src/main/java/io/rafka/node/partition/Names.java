package io.rafka.node.partition;

/** The naming rules of topics and consumer groups, shared by every entry point. */
public final class Names {
    public static final int MAX_LENGTH = 249;
    public static final int MAX_PARTITIONS = 10_000;

    private Names() {
    }

    /** @throws BrokerException INVALID_ARGUMENT naming the rule the topic name breaks */
    public static String checkTopic(String name) {
        return check("topic", name);
    }

    /** @throws BrokerException INVALID_ARGUMENT naming the rule the group id breaks */
    public static String checkGroup(String name) {
        return check("group", name);
    }

    private static String check(String what, String name) {
        if (name == null || name.isEmpty()) {
            throw BrokerException.invalid(what + " name must not be empty");
        }
        if (name.length() > MAX_LENGTH) {
            throw BrokerException.invalid(what + " name is " + name.length()
                    + " characters long, the limit is " + MAX_LENGTH);
        }
        if (name.equals(".") || name.equals("..")) {
            throw BrokerException.invalid(what + " name must not be '.' or '..'");
        }
        if (!legal(name)) {
            throw BrokerException.invalid(what + " name '" + printable(name)
                    + "' has an illegal character: only [a-zA-Z0-9._-] are allowed");
        }
        return name;
    }

    /** [a-zA-Z0-9._-]+, without a regex: it runs on every request, and a Matcher per call showed in allocation profiles. */
    private static boolean legal(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '.' || c == '_' || c == '-';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                b.append(String.format("\\u%04x", c));
            } else {
                b.appendCodePoint(c);
            }
        });
        return b.toString();
    }
}
