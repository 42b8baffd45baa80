#!/bin/sh
# A command tool for the tests. The mode comes from argv (set by the tool spec); the call's
# arguments arrive as one JSON line on stdin.
mode="$1"
case "$mode" in
  echo)
    read -r line
    echo "stdin: $line"
    echo "a note for the log" >&2
    ;;
  fail)
    cat >/dev/null
    echo "something broke" >&2
    exit 3
    ;;
  env)
    echo "pwd=$(pwd) allowed=${ALLOWED_VAR:-unset} secret=${SECRET_VAR:-unset} fixed=${FIXED_VAR:-unset}"
    ;;
  sleep)
    # A grandchild in the same process group: the timeout must kill it too.
    sleep 300 &
    echo $! > "$2"
    wait
    ;;
  flood)
    while :; do echo "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"; done
    ;;
  ignore-stdin)
    echo "did not read stdin"
    ;;
  *)
    echo "unknown mode $mode" >&2
    exit 64
    ;;
esac
