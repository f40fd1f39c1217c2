package org.modelserver.server.rest.json;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Finds the input {@code data} arrays of a large JSON inference request that hold only numbers
 * (nested or flat), so that they can be decoded by {@link SpanDecoder} straight from the bytes
 * instead of token by token through Jackson, which costs about 30 ns per number.
 *
 * <p>A first pass over the body follows its structure (strings and their escapes included) and
 * takes only the arrays at {@code inputs[i].data} of the root object. Jackson then parses a copy of
 * the body in which those arrays' insides are blanked out (spaces; line breaks kept, so that every
 * other byte keeps its line, column and offset, and Jackson's own error messages are unchanged): it
 * still checks and reads everything else, and sees each such {@code data} as an empty array at the
 * offset recorded here. An array with anything but numbers (strings, booleans, null, objects,
 * numbers longer than {@value #MAX_NUMBER_LENGTH} characters, more than {@value #MAX_DEPTH} levels)
 * is left alone and decoded by Jackson as before.
 */
final class NumericSpans {
  /** Bodies below this size are parsed by Jackson alone: the pass would not pay for itself. */
  static final int MIN_BODY_LENGTH = 16 * 1024;

  static final int MAX_NUMBER_LENGTH = 64;
  static final int MAX_DEPTH = 32;
  private static final NumericSpans NONE = new NumericSpans(null, Map.of());

  private static final int OBJECT = 1;
  private static final int ARRAY = 2;
  private static final int INPUTS_ARRAY = 3;
  private static final int INPUT_OBJECT = 4;
  private static final byte[] INPUTS = {'i', 'n', 'p', 'u', 't', 's'};
  private static final byte[] DATA = {'d', 'a', 't', 'a'};

  /** One {@code data} array: {@code body[start]} is its '[', {@code body[end - 1]} its ']'. */
  record Span(byte[] body, int start, int end) {}

  private final byte[] text;
  private final Map<Long, Span> byOffset;

  private NumericSpans(byte[] text, Map<Long, Span> byOffset) {
    this.text = text;
    this.byOffset = byOffset;
  }

  /** No spans: Jackson decodes everything. */
  static NumericSpans none() {
    return NONE;
  }

  /** What Jackson should parse: the body with the spans blanked, or the body itself if none. */
  byte[] text(byte[] body) {
    return text == null ? body : text;
  }

  /** The span whose '[' is at this byte offset of the body, or null. */
  Span at(long offset) {
    return byOffset.isEmpty() ? null : byOffset.get(offset);
  }

  /** Scans {@code body[0..length)}; never throws: anything unexpected means no spans. */
  static NumericSpans find(byte[] body, int length) {
    if (length < MIN_BODY_LENGTH) {
      return NONE;
    }
    Map<Long, Span> spans = new HashMap<>();
    int[] kinds = new int[MAX_DEPTH];
    // Per level: the current key is "inputs" (root object) or "data" (an input object).
    boolean[] keyMatches = new boolean[MAX_DEPTH];
    boolean[] expectingKey = new boolean[MAX_DEPTH];
    int depth = 0;
    int i = skipWhitespace(body, 0, length);
    if (i >= length || body[i] != '{') {
      return NONE;
    }
    while (i < length) {
      byte c = body[i];
      switch (c) {
        case ' ', '\t', '\n', '\r', ':' -> i++;
        case ',' -> {
          if (depth > 0 && isObject(kinds[depth - 1])) {
            expectingKey[depth - 1] = true;
            keyMatches[depth - 1] = false;
          }
          i++;
        }
        case '"' -> {
          int end = skipString(body, i, length);
          if (end < 0) {
            return NONE;
          }
          if (depth > 0 && isObject(kinds[depth - 1]) && expectingKey[depth - 1]) {
            expectingKey[depth - 1] = false;
            keyMatches[depth - 1] =
                depth == 1
                    ? equals(body, i + 1, end - 1, INPUTS)
                    : kinds[depth - 1] == INPUT_OBJECT && equals(body, i + 1, end - 1, DATA);
          }
          i = end;
        }
        case '{', '[' -> {
          if (c == '[' && depth > 0 && kinds[depth - 1] == INPUT_OBJECT && keyMatches[depth - 1]) {
            int end = numericArrayEnd(body, i, length);
            if (end > 0) {
              spans.put((long) i, new Span(body, i, end));
              i = end;
              break;
            }
          }
          if (depth == MAX_DEPTH) {
            return NONE;
          }
          int parent = depth > 0 ? kinds[depth - 1] : 0;
          int kind;
          if (c == '{') {
            kind = parent == INPUTS_ARRAY ? INPUT_OBJECT : OBJECT;
          } else {
            kind = depth == 1 && keyMatches[0] ? INPUTS_ARRAY : ARRAY;
          }
          kinds[depth] = kind;
          keyMatches[depth] = false;
          expectingKey[depth] = c == '{';
          depth++;
          i++;
        }
        case '}', ']' -> {
          if (depth == 0) {
            return NONE;
          }
          depth--;
          i++;
          if (depth == 0) {
            i = length; // the root object ended; Jackson checks what follows
          }
        }
        default -> i = scalarEnd(body, i, length);
      }
    }
    if (spans.isEmpty()) {
      return NONE;
    }
    byte[] text = Arrays.copyOf(body, length);
    for (Span span : spans.values()) {
      for (int k = span.start() + 1; k < span.end() - 1; k++) {
        if (text[k] != '\n' && text[k] != '\r') {
          text[k] = ' ';
        }
      }
    }
    return new NumericSpans(text, spans);
  }

  private static boolean isObject(int kind) {
    return kind == OBJECT || kind == INPUT_OBJECT;
  }

  private static boolean equals(byte[] body, int from, int to, byte[] word) {
    if (to - from != word.length) {
      return false;
    }
    for (int k = 0; k < word.length; k++) {
      if (body[from + k] != word[k]) {
        return false;
      }
    }
    return true;
  }

  private static int skipWhitespace(byte[] body, int i, int length) {
    while (i < length) {
      byte c = body[i];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
        break;
      }
      i++;
    }
    return i;
  }

  /** The index after the string starting with the quote at {@code i}, or -1 if it never ends. */
  private static int skipString(byte[] body, int i, int length) {
    for (int k = i + 1; k < length; k++) {
      byte c = body[k];
      if (c == '\\') {
        k++;
      } else if (c == '"') {
        return k + 1;
      }
    }
    return -1;
  }

  /** The index after a literal (number, true, false, null or garbage Jackson will reject). */
  private static int scalarEnd(byte[] body, int i, int length) {
    int k = i + 1;
    while (k < length) {
      byte c = body[k];
      if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        break;
      }
      k++;
    }
    return k;
  }

  /**
   * The index after the array starting at {@code i} if it holds only JSON numbers and arrays of
   * them, in valid JSON syntax; -1 otherwise.
   */
  static int numericArrayEnd(byte[] body, int i, int length) {
    int depth = 0;
    boolean needValue = true; // after '[' a value or ']', after ',' a value
    boolean afterOpen = true;
    int k = i;
    while (k < length) {
      byte c = body[k];
      if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
        k++;
      } else if (c == '[') {
        if (!needValue || ++depth > MAX_DEPTH) {
          return -1;
        }
        afterOpen = true;
        k++;
      } else if (c == ']') {
        if (needValue && !afterOpen) {
          return -1; // "[1,]"
        }
        depth--;
        k++;
        if (depth == 0) {
          return k;
        }
        needValue = false;
        afterOpen = false;
      } else if (c == ',') {
        if (needValue) {
          return -1;
        }
        needValue = true;
        afterOpen = false;
        k++;
      } else {
        if (!needValue) {
          return -1;
        }
        int end = numberEnd(body, k, length);
        if (end < 0) {
          return -1;
        }
        k = end;
        needValue = false;
        afterOpen = false;
      }
    }
    return -1;
  }

  /** The index after the JSON number at {@code i} (RFC 8259 grammar), or -1. */
  static int numberEnd(byte[] body, int i, int length) {
    int k = i;
    if (k < length && body[k] == '-') {
      k++;
    }
    if (k >= length) {
      return -1;
    }
    if (body[k] == '0') {
      k++;
    } else if (body[k] >= '1' && body[k] <= '9') {
      k = digitsEnd(body, k, length);
    } else {
      return -1;
    }
    if (k < length && body[k] == '.') {
      int end = digitsEnd(body, k + 1, length);
      if (end == k + 1) {
        return -1;
      }
      k = end;
    }
    if (k < length && (body[k] == 'e' || body[k] == 'E')) {
      k++;
      if (k < length && (body[k] == '+' || body[k] == '-')) {
        k++;
      }
      int end = digitsEnd(body, k, length);
      if (end == k) {
        return -1;
      }
      k = end;
    }
    if (k - i > MAX_NUMBER_LENGTH || k >= length) {
      return -1;
    }
    byte next = body[k];
    boolean delimiter =
        next == ',' || next == ']' || next == ' ' || next == '\t' || next == '\n' || next == '\r';
    return delimiter ? k : -1;
  }

  private static int digitsEnd(byte[] body, int k, int length) {
    while (k < length && body[k] >= '0' && body[k] <= '9') {
      k++;
    }
    return k;
  }
}
