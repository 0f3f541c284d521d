# Sourced by scripts/test.sh and the gog launcher: sets JAVA_HOME to a JDK 25 or newer.
# Order: GOG_JAVA_HOME, JAVA_HOME (if it is 25+), /usr/lib/jvm/temurin-25-jdk-amd64, any
# /usr/lib/jvm/*25* or newer.
_gog_java_major() {
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n 1
}
_gog_pick_jdk() {
  local c
  for c in "${GOG_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    local v; v=$(_gog_java_major "$c")
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then JAVA_HOME="$c"; return 0; fi
  done
  echo "gog: error: no JDK 25 found (set GOG_JAVA_HOME or JAVA_HOME to a JDK 25 or newer)" >&2
  return 1
}
_gog_pick_jdk || exit 1
