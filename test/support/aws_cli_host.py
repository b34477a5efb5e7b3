"""
One long-lived Python that runs the Debian aws CLI's own driver for each command a test sends, so that a test file
pays the CLI's imports (about a second of CPU) once instead of once a command. test/support/aws-cli.ts starts it and
says what a command may and may not rely on.

Protocol: one JSON line a request on stdin, {"argv": [...], "env": {...}, "cwd": "..."}; one JSON line an answer on
stdout, {"code": n, "stdout": base64, "stderr": base64}. The host ends when its stdin closes.

Started with `--scripts`, a host never imports awscli (whose botocore is not boto3's) and runs `python3 -c SCRIPT
ARGV...` for each request instead ({"script": "...", "argv": [...], ...}): a boto3 script, with exactly its environment,
its working directory, its own fds 1 and 2 and a fresh boto3 default session.

Each command gets what /usr/bin/aws would get as a process of its own: exactly its environment (os.environ replaced,
then the two edits that /usr/bin/aws and awscli/__init__.py make at start), its working directory, an empty stdin,
a fresh AWSCLIEntryPoint (so a fresh botocore session, config and credential resolution), and file descriptors 1
and 2 that are files of its own, so that whatever it or a child it starts (credential_process, a pager) prints is
what it gives back. Process-wide state the CLI can change (logging handlers from --debug, the history recorder, the
SIGINT handler) is put back after each command.
"""
import base64
import io
import json
import logging
import os
import signal
import sys
import tempfile
import time
import traceback

SCRIPTS = sys.argv[1:] == ['--scripts']
if not SCRIPTS:
    import awscli
    import awscli.clidriver
    from botocore.history import get_global_history_recorder

    # The data path awscli/__init__.py put first in AWS_DATA_PATH when imported; each command's own AWS_DATA_PATH (if
    # any) goes before it, as that module does with the environment it finds.
    AWSCLI_DATA = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), 'data')


def command_environ(env):
    """The environment a command's /usr/bin/aws process sees once its script and `import awscli` have run."""
    env = dict(env)
    if env.get('LC_CTYPE', '') == 'UTF-8':
        env['LC_CTYPE'] = 'en_US.UTF-8'
    paths = []
    if 'AWS_DATA_PATH' in env:
        for p in env['AWS_DATA_PATH'].split(os.pathsep):
            paths.append(os.path.expanduser(os.path.expandvars(p)))  # expanded with the command's HOME, as there
    paths.append(AWSCLI_DATA)
    env['AWS_DATA_PATH'] = os.pathsep.join(paths)
    return env


def logging_state():
    loggers = [logging.getLogger()] + [l for l in logging.root.manager.loggerDict.values() if isinstance(l, logging.Logger)]
    return {l.name: (l, list(l.handlers), l.level, l.propagate, l.disabled) for l in loggers}


def restore_logging(saved):
    for logger in [logging.getLogger()] + [l for l in logging.root.manager.loggerDict.values() if isinstance(l, logging.Logger)]:
        was = saved.get(logger.name)
        if was is not None and was[0] is logger:
            _, handlers, level, propagate, disabled = was
        else:
            handlers, level, propagate, disabled = [], logging.NOTSET, True, False
        for h in logger.handlers:
            if h not in handlers:
                logger.removeHandler(h)
        logger.handlers[:] = handlers
        logger.setLevel(level)
        logger.propagate = propagate
        logger.disabled = disabled


def read_back(fd):
    """What a command wrote to `fd` (fds 1 or 2 were dups of it, sharing its offset), which is then emptied."""
    size = os.lseek(fd, 0, os.SEEK_END)
    os.lseek(fd, 0, os.SEEK_SET)
    chunks = []
    while size > 0:
        chunk = os.read(fd, size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    os.lseek(fd, 0, os.SEEK_SET)
    os.ftruncate(fd, 0)
    return b''.join(chunks)


def enter(env, cwd, argv):
    """Gives this process what a command's own would have: exactly `env`, its working directory, `argv`, and Python's
    own streams on fds 1 and 2 (already on its files)."""
    os.environ.clear()
    os.environ.update(env)
    time.tzset()
    os.chdir(cwd)
    sys.argv = argv
    # Python's own streams for a pipe: block-buffered, UTF-8 (the C locale is coerced to C.UTF-8), with the errors
    # handlers Python gives stdout and stderr there.
    sys.stdout = io.TextIOWrapper(io.FileIO(1, 'w', closefd=False), encoding='utf-8', errors='surrogateescape')
    sys.stderr = io.TextIOWrapper(io.FileIO(2, 'w', closefd=False), encoding='utf-8', errors='backslashreplace', line_buffering=True)


def exit_code(body):
    """Runs `body` as the interpreter runs a program's top level: the exit status its return value, a SystemExit or an
    exception that reaches the top (its traceback printed) makes, once both streams are flushed."""
    try:
        code = exit_status(body())
    except SystemExit as e:
        code = exit_status(e.code)
    except BaseException:  # what the interpreter does with an exception that reaches the top
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return code


def run_one(argv, env, cwd):
    """Runs one command (fds 1 and 2 already on its files); its exit status as the process would have it."""
    os.environ.clear()  # command_environ's expandvars and expanduser read os.environ: emptied first, as it always was
    enter(command_environ(env), cwd, ['/usr/bin/aws'] + argv)
    return exit_code(awscli.clidriver.main)


def run_script(script, argv, env, cwd):
    """`python3 -c SCRIPT ARGV...` in this interpreter (fds 1 and 2 already on its files): its exit status."""
    enter(env, cwd, ['-c'] + argv)
    # boto3's default session is made from the environment on first use: each script gets a fresh one, as a process.
    if 'boto3' in sys.modules:
        sys.modules['boto3'].DEFAULT_SESSION = None
    code = exit_code(lambda: exec(compile(script, '<string>', 'exec'), {'__name__': '__main__', '__builtins__': __builtins__}))
    if 'boto3' in sys.modules:
        sys.modules['boto3'].DEFAULT_SESSION = None
    return code


def exit_status(rc):
    """What sys.exit(rc) makes of rc as a process's exit status."""
    if rc is None:
        return 0
    if isinstance(rc, bool) or isinstance(rc, int):
        return int(rc) & 0xFF
    sys.stderr.write('%s\n' % (rc,))
    return 1


def main():
    # The protocol keeps fds of its own; fd 0 becomes empty (a command, or a child of it, reads no request), fds 1
    # and 2 are pointed at each command's files while it runs.
    requests = os.fdopen(os.dup(0), 'rb')
    answers = os.fdopen(os.dup(1), 'wb')
    host_stderr = os.dup(2)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    sys.stdin = io.TextIOWrapper(io.FileIO(0, 'r', closefd=False), encoding='utf-8')
    out = tempfile.TemporaryFile()
    err = tempfile.TemporaryFile()
    saved_logging = logging_state()
    history = None if SCRIPTS else get_global_history_recorder()
    saved_history = None if history is None else (history._enabled, list(history._handlers))
    saved_sigint = signal.getsignal(signal.SIGINT)
    saved_environ = dict(os.environ)
    saved_cwd = os.getcwd()

    for line in requests:
        if not line.strip():
            continue
        req = json.loads(line)
        os.dup2(out.fileno(), 1)
        os.dup2(err.fileno(), 2)
        try:
            if SCRIPTS:
                code = run_script(req['script'], req['argv'], req['env'], req['cwd'])
            else:
                code = run_one(req['argv'], req['env'], req['cwd'])
        finally:
            os.dup2(host_stderr, 1)  # nothing writes to the host's stdout fd but the protocol, via `answers`
            os.dup2(host_stderr, 2)
            sys.stdout = sys.__stdout__
            sys.stderr = sys.__stderr__
            restore_logging(saved_logging)
            if history is not None:
                history._enabled, history._handlers = saved_history[0], list(saved_history[1])
            signal.signal(signal.SIGINT, saved_sigint)
            os.environ.clear()
            os.environ.update(saved_environ)
            os.chdir(saved_cwd)
        answer = {
            'code': code,
            'stdout': base64.b64encode(read_back(out.fileno())).decode('ascii'),
            'stderr': base64.b64encode(read_back(err.fileno())).decode('ascii'),
        }
        answers.write(json.dumps(answer).encode('ascii') + b'\n')
        answers.flush()


if __name__ == '__main__':
    main()
