package dev.gog.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class BoxTest {
    @Test
    void parses() {
        assertEquals(new Box(1.5f, 2f, 30f, 40.25f), Box.parse("1.5,2,30,40.25"));
        assertEquals(new Box(0f, 0f, 1f, 1f), Box.parse(" 0 , 0 , 1 , 1 "));
    }

    @Test
    void rejectsBadBoxes() {
        assertThrows(IllegalArgumentException.class, () -> Box.parse("1,2,3"));
        assertThrows(IllegalArgumentException.class, () -> Box.parse("1,2,3,x"));
        assertThrows(IllegalArgumentException.class, () -> Box.parse("NaN,0,3,4"));
        assertThrows(IllegalArgumentException.class, () -> Box.parse("0,0,Infinity,4"));
        assertThrows(IllegalArgumentException.class, () -> new Box(5, 0, 5, 10)); // zero width
        assertThrows(IllegalArgumentException.class, () -> new Box(0, 10, 5, 2)); // y2 < y1
        assertThrows(IllegalArgumentException.class, () -> new Box(Float.NaN, 0, 1, 1));
    }

    @Test
    void within() {
        Box b = new Box(-1, 0, 10, 10);
        assertFalse(b.within(100, 100));
        assertTrue(new Box(0, 0, 100, 50).within(100, 50));
        assertFalse(new Box(0, 0, 100.5f, 50).within(100, 50));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.requireWithin(100, 100));
        assertTrue(e.getMessage().contains("100x100"), e.getMessage());
        assertEquals(10f, new Box(0, 0, 10, 4).width());
    }
}
