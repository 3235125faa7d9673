# bash completion for eddy (installed as share/bash-completion/completions/eddy).
#
# Commands, subcommands and options are read from the tool's own help (`eddy help [COMMAND]`),
# so they never drift from it; queue and stream names are read from the database the command
# line names (--db PATH, else $EDDY_DB, else ./eddy-data) with `eddy queue list` and
# `eddy stream list`, read-only. Nothing is completed when the database cannot be opened.

# The names of the command table ("Commands:" section of `eddy help`).
_eddy_commands()
{
    "$1" help 2>/dev/null | awk '/^Commands:/ { on = 1; next } on && NF == 0 { exit }
        on && $1 ~ /^[a-z]/ { print $1 }'
}

# The subcommands of queue, stream or checkpoint, from its help.
_eddy_subcommands()
{
    "$1" help "$2" 2>/dev/null | awk -v cmd="$2" '
        /^Examples?:/ { exit }
        $1 == "usage:" { if ($3 == cmd && $4 ~ /^[a-z]/) print $4; next }
        $1 == "eddy" { if ($2 == cmd && $3 ~ /^[a-z]/) print $3; next }
        /^  [a-z][a-z-]+( |$)/ { print $1 }'
}

_eddy()
{
    local cur prev eddy db="" i cmd="" sub="" pos=0 w
    local -a words_db=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    eddy=${COMP_WORDS[0]}
    # The command, the subcommand and the --db of the line (global or per command).
    for ((i = 1; i < COMP_CWORD; i++)); do
        w=${COMP_WORDS[i]}
        case "$w" in
        --db | --progress) [ "$w" = --db ] && db=${COMP_WORDS[i + 1]}; i=$((i + 1)) ;;
        --db=*) db=${w#--db=} ;;
        -*) ;;
        *)
            if [ -z "$cmd" ]; then cmd=$w
            elif [ -z "$sub" ]; then sub=$w; pos=0
            else pos=$((pos + 1)); fi ;;
        esac
    done
    # The word is as typed: the shell expands a leading ~ only when it runs the command, so do
    # it here too (never with eval: the word is the user's text, not code).
    case "$db" in
    "~" | "~/"*) db=$HOME${db#"~"} ;;
    "~"*)
        local user=${db%%/*} home
        user=${user#"~"}
        home=$(getent passwd -- "$user" 2>/dev/null | cut -d: -f6)
        [ -n "$home" ] && db=$home${db#"~$user"} ;;
    esac
    [ -n "$db" ] && words_db=(--db "$db")
    case "$prev" in
    --db | --output | --file | --state-file) COMPREPLY=($(compgen -f -- "$cur")); return ;;
    --progress) COMPREPLY=($(compgen -W "auto none json bar" -- "$cur")); return ;;
    --format) COMPREPLY=($(compgen -W "text json prometheus" -- "$cur")); return ;;
    --from) COMPREPLY=($(compgen -W "latest trim-horizon at-timestamp" -- "$cur")); return ;;
    --queue | --dlq)
        COMPREPLY=($(compgen -W "$("$eddy" "${words_db[@]}" queue list 2>/dev/null)" -- "$cur"))
        return ;;
    --stream)
        COMPREPLY=($(compgen -W "$("$eddy" "${words_db[@]}" stream list 2>/dev/null)" -- "$cur"))
        return ;;
    esac
    if [ -z "$cmd" ]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--db --progress --check --version --help" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$(_eddy_commands "$eddy") help" -- "$cur"))
        fi
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$("$eddy" help "$cmd" 2>/dev/null |
            grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur"))
        return
    fi
    case "$cmd" in
    help) [ -z "$sub" ] && COMPREPLY=($(compgen -W "$(_eddy_commands "$eddy")" -- "$cur")) ;;
    queue | stream | checkpoint)
        if [ -z "$sub" ]; then
            COMPREPLY=($(compgen -W "$(_eddy_subcommands "$eddy" "$cmd")" -- "$cur"))
        elif [ "$pos" -eq 0 ] && [ "$sub" != create ] && [ "$sub" != list ]; then
            local kind=$cmd
            [ "$cmd" = checkpoint ] && kind=stream
            COMPREPLY=($(compgen -W "$("$eddy" "${words_db[@]}" "$kind" list 2>/dev/null)" -- "$cur"))
        fi ;;
    esac
}
complete -F _eddy eddy eddy-test
