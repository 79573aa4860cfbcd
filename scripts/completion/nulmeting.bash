# nulmeting(1) bash completion. Subcommands, options and option values are read from the
# command's own --help (CLI11's "Subcommands:" and "Options:" lists) each time, so they follow
# the program and need no list of their own here. Installed as
# /usr/share/bash-completion/completions/nulmeting; tests/cli/completion.sh checks it.

# _nulmeting_help CMD WORDS...: the help of `CMD WORDS... --help`.
_nulmeting_help() {
  local cmd=$1
  shift
  "$cmd" "$@" --help 2>/dev/null
}

# _nulmeting_section SECTION: the lines of one help section (lower case name), from stdin.
_nulmeting_section() {
  awk -v want="$1:" '
    /^[A-Za-z][A-Za-z ]*:$/ { on = (tolower($0) == want); next }
    on && /^  [^ ]/         { print }'
}

_nulmeting() {
  local cur=${COMP_WORDS[COMP_CWORD]} prev=
  ((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
  local cmd=${COMP_WORDS[0]} help subs w i
  local -a path=()
  help=$(_nulmeting_help "$cmd")
  subs=$(_nulmeting_section subcommands <<<"$help" | awk '{ print $1 }')
  # The subcommands typed so far (options and their values are skipped).
  for ((i = 1; i < COMP_CWORD; i++)); do
    w=${COMP_WORDS[i]}
    if [[ $w != -* ]] && [[ -n $subs ]] && grep -qxF -- "$w" <<<"$subs"; then
      path+=("$w")
      help=$(_nulmeting_help "$cmd" "${path[@]}")
      subs=$(_nulmeting_section subcommands <<<"$help" | awk '{ print $1 }')
    fi
  done
  local opts
  opts=$(_nulmeting_section options <<<"$help")

  # The value of an option: its {choices}, nothing for numbers, else file names.
  if [[ $prev == -* && $cur != -* ]]; then
    local line
    # An option line is "  NAMES TYPE  description": the spec ends at the first double space.
    line=$(awk -v o="$prev" '{ spec = substr($0, 3); sub(/  .*/, "", spec); split(spec, f, " ")
                               n = split(f[1], a, ",")
                               for (j = 1; j <= n; j++) if (a[j] == o) { print f[2]; exit } }' <<<"$opts")
    if [[ -n $line ]]; then
      local type=$line
      if [[ $type =~ ^[A-Z]+ ]]; then
        if [[ $type =~ \{([^}]*)\} ]]; then
          mapfile -t COMPREPLY < <(compgen -W "${BASH_REMATCH[1]//,/ }" -- "$cur")
        elif [[ $type =~ ^(UINT|INT|FLOAT|NUMBER) ]]; then
          COMPREPLY=()
        else
          mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        return 0
      fi
    fi
  fi

  if [[ $cur == -* ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$(awk '{ gsub(",", " ", $1); print $1 }' <<<"$opts")" -- "$cur")
  elif [[ -n $subs ]]; then
    mapfile -t COMPREPLY < <(compgen -W "$subs" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
  return 0
}
complete -o filenames -F _nulmeting nulmeting
