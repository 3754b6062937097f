#!/usr/bin/env bash
# bench/compat.sh [VENV]: the fast tests and notebook 02 in a fresh venv holding the oldest supported versions (Kaggle's / Colab's, May 2026).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
# Whatever stops the script early (set -e) still ends it with a summary line.
step="choosing the interpreter"
finished=0
trap 'rc=$?; [ "$finished" = 1 ] || echo "compat: stopped while $step (exit $rc): 0 passed, 0 failed (FAIL)"' EXIT

# Settings (environment variables; the first argument also sets the venv):
#   COMPAT_VENV   where the venv goes (default /tmp/mangacolor-compat); emptied and rebuilt on every run
#   PYTHON        the interpreter (default python3.12, Kaggle's; python3.13 is Colab's)
#   COMPAT_APP    1 (default): also pip install "gradio>=6" and run tests/test_app.py;
#                 0: leave gradio out and deselect tests/test_app.py
#   COMPAT_NOTEBOOK  the notebook nbval runs (default notebooks/02_dcgan_architecture.ipynb)
venv=${1:-${COMPAT_VENV:-/tmp/mangacolor-compat}}
app=${COMPAT_APP:-1}
notebook=${COMPAT_NOTEBOOK:-notebooks/02_dcgan_architecture.ipynb}

# The oldest versions the package supports: what Kaggle and Colab ship (Colab release 20260514,
# which Kaggle's docker-python image builds on; Colab later moved to numpy 2.1.3 / ml_dtypes 0.6.0).
pins=(
    keras==3.13.2
    numpy==2.0.2
    scikit-image==0.25.2
    pillow==11.3.0
    matplotlib==3.10.0
    tensorboard==2.20.0
    tqdm==4.67.3
    scipy==1.16.3
    ml_dtypes==0.5.4
    # not in the package's dependencies, but TensorFlow's and Keras's, and in the same freeze
    protobuf==5.29.6
    h5py==3.16.0
)
tf_version=2.20.0

runs() { "$1" -c 'import sys; assert sys.version_info >= (3, 10)' >/dev/null 2>&1; }

# The interpreter: $PYTHON if set (it must work), else python3.12 or, failing that, python3.13,
# from PATH (a pyenv shim may exist and still refuse), pyenv's versions or /usr/bin.
if [ -n "${PYTHON:-}" ]; then
    runs "$PYTHON" || { echo "compat: PYTHON=$PYTHON does not run (or is older than 3.10)" >&2; exit 2; }
    py=$PYTHON
else
    py=""
    pyenv_root=${PYENV_ROOT:-$HOME/.pyenv}
    for minor in 3.12 3.13; do
        for candidate in "python$minor" $(ls -d "$pyenv_root"/versions/"$minor".*/bin/"python$minor" 2>/dev/null | sort -V -r) \
            "/usr/bin/python$minor" "/usr/local/bin/python$minor"; do
            if runs "$candidate"; then py=$candidate; break 2; fi
        done
    done
    [ -n "$py" ] || { echo "compat: no python3.12 or python3.13 found; set PYTHON=/path/to/python3.12" >&2; exit 2; }
fi

step="creating the venv"
# A fresh venv. --clear empties the folder, so refuse one that is not a venv.
if [ -e "$venv" ] && [ -n "$(ls -A "$venv" 2>/dev/null)" ] && [ ! -f "$venv/pyvenv.cfg" ]; then
    echo "compat: $venv exists and is not a virtual environment; not emptying it" >&2
    exit 2
fi
echo "== venv $venv from $py ($("$py" --version 2>&1))"
"$py" -m venv --clear "$venv"
vpy=$venv/bin/python
"$vpy" -m pip install -q --upgrade pip

# TensorFlow's CPU build of the same release on x86_64 (Kaggle's and Colab's GPU images carry the
# full one; the Python API is the same), the full package elsewhere or when no CPU build exists.
tf_pkg=tensorflow
case "$(uname -m)" in
    x86_64 | AMD64)
        if "$vpy" -m pip index versions tensorflow-cpu 2>/dev/null | grep -q "[ ,]$tf_version\(,\|$\)"; then
            tf_pkg=tensorflow-cpu
        fi
        ;;
esac
pins=("$tf_pkg==$tf_version" "${pins[@]}")

# Everything else installed must leave the pins where they are.
constraints=$venv/compat-constraints.txt
printf '%s\n' "${pins[@]}" >"$constraints"

step="installing the pinned versions"
echo "== pinned: ${pins[*]}"
"$vpy" -m pip install -q "${pins[@]}"
# test tools; tests/ imports nothing else beyond the pins and the standard library (gradio: below)
"$vpy" -m pip install -q -c "$constraints" pytest nbval ipykernel psutil

app_note="tests/test_app.py deselected (COMPAT_APP=0: no gradio)"
deselect=(--ignore=tests/test_browser.py)
if [ "$app" = 1 ]; then
    # Kaggle ships gradio 5.50.0 but the app needs gradio>=6: a user installs it, as here.
    if "$vpy" -m pip install -q -c "$constraints" "gradio>=6"; then
        app_note="tests/test_app.py run with gradio $("$vpy" -c 'import gradio; print(gradio.__version__)' 2>/dev/null)"
    else
        app_note="tests/test_app.py deselected (gradio>=6 does not install beside the pins)"
        deselect+=(--ignore=tests/test_app.py)
    fi
else
    deselect+=(--ignore=tests/test_app.py)
fi

step="installing the package"
# The package as a Kaggle/Colab user installs it: nothing it depends on is touched.
"$vpy" -m pip install -q --no-deps -e .

step="checking the installed versions"
echo "== installed"
"$vpy" - "${pins[@]}" <<'EOF'
import sys
from importlib.metadata import version

print(f"python        {sys.version.split()[0]}")
for name in ("tensorflow", "tensorflow-cpu", "keras", "numpy", "scikit-image", "pillow", "matplotlib", "scipy", "ml_dtypes",
             "tensorboard", "tqdm", "protobuf", "h5py", "gradio"):
    try:
        print(f"{name:<13} {version(name)}")
    except Exception:
        pass
wrong = [pin for pin in sys.argv[1:] if version(pin.split("==")[0]) != pin.split("==")[1]]
if wrong:
    sys.exit(f"compat: not the pinned versions: {wrong}")
import tensorflow as tf

print(f"tensorflow reports {tf.__version__}")
EOF

# tests/conftest.py and notebooks/conftest.py set quick mode (MANGACOLOR_EPOCHS=2, 64 px, ...) as CI
# does; deselected: tests/test_browser.py (it needs chromium and playwright) and the slow tests.
reports=$venv/reports
mkdir -p "$reports"
export TF_CPP_MIN_LOG_LEVEL=${TF_CPP_MIN_LOG_LEVEL:-2}
step="running the tests"
status=0
echo "== pytest -m 'not slow' tests (${deselect[*]})"
"$vpy" -m pytest -p no:cacheprovider -q -m "not slow" "${deselect[@]}" --junitxml="$reports/tests.xml" tests || status=1
echo "== pytest --nbval $notebook"
"$vpy" -m pytest -p no:cacheprovider -q --nbval --nbval-current-env --junitxml="$reports/notebook.xml" "$notebook" || status=1

counts=$("$vpy" - "$reports/tests.xml" "$reports/notebook.xml" <<'EOF'
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

passed = failed = skipped = 0
for report in sys.argv[1:]:
    if not Path(report).is_file():
        failed += 1  # pytest never got as far as writing it
        continue
    root = ET.parse(report).getroot()
    for suite in (root.iter("testsuite")):
        n, f, e, s = (int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped"))
        passed += n - f - e - s
        failed += f + e
        skipped += s
print(passed, failed, skipped)
EOF
)
read -r passed failed skipped <<<"$counts"
versions=$("$vpy" - <<'EOF'
import sys
from importlib.metadata import PackageNotFoundError, version

try:
    tf = version("tensorflow")
except PackageNotFoundError:
    tf = version("tensorflow-cpu")
print(f"python {sys.version.split()[0]}, tensorflow {tf}, keras {version('keras')}, numpy {version('numpy')}")
EOF
) || versions="python ?, tensorflow ?, keras ?, numpy ?"
[ "$failed" -eq 0 ] || status=1
verdict=PASS
[ "$status" -eq 0 ] || verdict=FAIL
finished=1
echo "== $app_note; $skipped skipped; $((SECONDS - start)) s"
echo "compat: $versions: $passed passed, $failed failed ($verdict)"
exit "$status"
