package io.rafka.node.partition;

import java.util.regex.Pattern;

/** The naming rules of topics and consumer groups, shared by every entry point. */
public final class Names {
    public static final int MAX_LENGTH = 249;
    public static final int MAX_PARTITIONS = 10_000;
    private static final Pattern LEGAL = Pattern.compile("[a-zA-Z0-9._-]+");

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
        if (!LEGAL.matcher(name).matches()) {
            throw BrokerException.invalid(what + " name '" + printable(name)
                    + "' has an illegal character: only [a-zA-Z0-9._-] are allowed");
        }
        return name;
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
