# bash completion for minijail0 (generated from its option table)

_minijail0() {
    local cur prev i
    cur="${COMP_WORDS[COMP_CWORD]}"
    prev="${COMP_WORDS[COMP_CWORD-1]}"

    # After the program, complete its own arguments.
    for ((i = 1; i < COMP_CWORD; i++)); do
        case "${COMP_WORDS[i]}" in
            --) _command_offset $((i + 1)); return ;;
            -u|-g|--add-suppl-group|-b|--bind-mount|-k|--mount|-C|-P|-V|-S|--seccomp-bpf-binary|-a|--config|--gen-config|--profile|-c|-B|-f|-R|-T|--env-add|--cgroup-parent|--mem-limit|--mem-high|--swap-limit|--pids-limit|--cpu-limit|--cpu-weight|--io-weight|--time-limit|--usage-json|--fs-path-rx|--fs-path-ro|--fs-path-rw|--fs-path-advanced-rw|--landlock-abi|--preserve-fd|--preload-library|--logging) ((i++)) ;;
            -*) ;;
            *) _command_offset $i; return ;;
        esac
    done

    case "$prev" in
        -u)
            COMPREPLY=($(compgen -u -- "$cur"))
            return ;;
        -g)
            COMPREPLY=($(compgen -g -- "$cur"))
            return ;;
        --add-suppl-group)
            COMPREPLY=($(compgen -g -- "$cur"))
            return ;;
        -b|--bind-mount)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        -k|--mount)
            COMPREPLY=()
            return ;;
        -C)
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
        -P)
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
        -V)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        -S)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --seccomp-bpf-binary)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        -a)
            COMPREPLY=()
            return ;;
        --config)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --gen-config)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --profile)
            COMPREPLY=($(compgen -W "minimalistic-mountns minimalistic-mountns-nodev" -- "$cur"))
            return ;;
        -c)
            COMPREPLY=()
            return ;;
        -B)
            COMPREPLY=()
            return ;;
        -f)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        -R)
            COMPREPLY=()
            return ;;
        -T)
            COMPREPLY=($(compgen -W "static dynamic" -- "$cur"))
            return ;;
        --env-add)
            COMPREPLY=()
            return ;;
        --cgroup-parent)
            COMPREPLY=($(compgen -d -- "$cur"))
            return ;;
        --mem-limit)
            COMPREPLY=()
            return ;;
        --mem-high)
            COMPREPLY=()
            return ;;
        --swap-limit)
            COMPREPLY=()
            return ;;
        --pids-limit)
            COMPREPLY=()
            return ;;
        --cpu-limit)
            COMPREPLY=()
            return ;;
        --cpu-weight)
            COMPREPLY=()
            return ;;
        --io-weight)
            COMPREPLY=()
            return ;;
        --time-limit)
            COMPREPLY=()
            return ;;
        --usage-json)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --fs-path-rx)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --fs-path-ro)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --fs-path-rw)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --fs-path-advanced-rw)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --landlock-abi)
            COMPREPLY=()
            return ;;
        --preserve-fd)
            COMPREPLY=()
            return ;;
        --preload-library)
            COMPREPLY=($(compgen -f -- "$cur"))
            return ;;
        --logging)
            COMPREPLY=($(compgen -W "auto syslog stderr" -- "$cur"))
            return ;;
    esac

    if [[ "$cur" == -* ]]; then
        COMPREPLY=($(compgen -W "-u -g -G -y --add-suppl-group -b --bind-mount -k --mount -K -r -d --mount-dev -t -C -P -N -l -v --ns-mount -V -e -p -I -U -m -M --uts -S --seccomp-bpf-binary -L -Y -a -s --config --gen-config --profile -n -c --ambient -B -f -i -z -R -T -w --env-reset --env-add --new-cgroup --cgroup-parent --mem-limit --mem-high --swap-limit --pids-limit --cpu-limit --cpu-weight --io-weight --time-limit --usage --usage-json --allow-speculative-execution --enable-profile-fs-restrictions --fs-default-paths --fs-path-rx --fs-path-ro --fs-path-rw --fs-path-advanced-rw --landlock-abi --no-fs-restrictions --no-default-runtime-environment --no-new-sessions --pty --preserve-fd --preload-library --logging -h --help -H" -- "$cur"))
    else
        COMPREPLY=($(compgen -c -- "$cur"))
    fi
}

complete -F _minijail0 minijail0
