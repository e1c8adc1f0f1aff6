package io.rafka.node.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class NamesTest {
    @Test
    void lettersDigitsDotsUnderscoresAndDashesAreLegal() {
        assertThat(Names.checkTopic("Orders.v2_eu-west-1")).isEqualTo("Orders.v2_eu-west-1");
        assertThat(Names.checkGroup("g")).isEqualTo("g");
        assertThat(Names.checkTopic("a".repeat(Names.MAX_LENGTH))).hasSize(Names.MAX_LENGTH);
    }

    @Test
    void anyOtherCharacterIsRefusedNamingTheRule() {
        for (String bad : new String[] {"bad topic", "bad/topic", "café", "tab\there", "colon:", "star*", "ü"}) {
            assertThatThrownBy(() -> Names.checkTopic(bad)).as(bad)
                    .hasMessageContaining("has an illegal character: only [a-zA-Z0-9._-] are allowed");
        }
        assertThatThrownBy(() -> Names.checkTopic("tab\there")).hasMessageContaining("'tab\\u0009here'");
    }

    @Test
    void emptyTooLongAndDotNamesAreRefused() {
        assertThatThrownBy(() -> Names.checkTopic("")).hasMessage("topic name must not be empty");
        assertThatThrownBy(() -> Names.checkGroup(null)).hasMessage("group name must not be empty");
        assertThatThrownBy(() -> Names.checkTopic("x".repeat(250)))
                .hasMessage("topic name is 250 characters long, the limit is 249");
        assertThatThrownBy(() -> Names.checkTopic("..")).hasMessage("topic name must not be '.' or '..'");
    }
}
