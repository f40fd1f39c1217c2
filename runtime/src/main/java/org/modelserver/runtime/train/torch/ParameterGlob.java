package org.modelserver.runtime.train.torch;

import java.util.regex.Pattern;

/**
 * A freeze pattern on parameter names: {@code *} matches any run of characters (dots included, so
 * {@code body.*} matches {@code body.0.weight}), {@code ?} one character, the rest itself.
 */
final class ParameterGlob {
  private final String text;
  private final Pattern pattern;

  ParameterGlob(String text) {
    this.text = text;
    StringBuilder regex = new StringBuilder();
    StringBuilder literal = new StringBuilder();
    for (char c : text.toCharArray()) {
      if (c == '*' || c == '?') {
        if (literal.length() > 0) {
          regex.append(Pattern.quote(literal.toString()));
          literal.setLength(0);
        }
        regex.append(c == '*' ? ".*" : ".");
      } else {
        literal.append(c);
      }
    }
    if (literal.length() > 0) {
      regex.append(Pattern.quote(literal.toString()));
    }
    this.pattern = Pattern.compile(regex.toString(), Pattern.DOTALL);
  }

  boolean matches(String name) {
    return pattern.matcher(name).matches();
  }

  @Override
  public String toString() {
    return text;
  }
}
