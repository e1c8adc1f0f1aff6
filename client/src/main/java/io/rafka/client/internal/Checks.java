package io.rafka.client.internal;

/** Range checks whose messages name the setting, its value and the limits. */
public final class Checks {
    private Checks() {
    }

    public static void inRange(String name, long value, long min, long max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], was "
                    + value);
        }
    }
}
