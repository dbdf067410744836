#!/usr/bin/env bash
# Mutation testing of module_utils and plugin_utils with cosmic-ray (docs/quality-gates.md, "Mutation testing"). Not a
# gate of `make test`: one run over every subject takes more than an hour on the 2-core machine, one mutant at a time.
#
#   .ci/quality/mutation.sh [--fresh | --survivors] [SUBJECT...]      (make mutation runs it with no arguments)
#
# SUBJECT is a file of plugins/module_utils/ or plugins/plugin_utils/ without .py, as SUBJECT_FILES names them;
# `gate` stands for the gate's four files in plugins/plugin_utils/ (gate_plan gate_records gate_decision gate_report,
# which were plugins/module_utils/gate.py until they moved to the controller side). Default: every subject.
# Each mutant is tested by the subject's own unit tests only (SUBJECT_TESTS below), with pytest -x.
#
# Sessions are kept in .cache/mutation/SUBJECT.sqlite, so an interrupted run carries on where it stopped. A subject
# whose source or tests changed since its session was made is started afresh, unless --survivors: then the verdicts
# of killed mutants are kept and only the survivors are tested again (sound when tests were only added, not changed
# or removed). --fresh starts every named subject afresh.
#
# cosmic-ray mutates files in place: it works on a copy of the checkout (.cache/mutation/src, tracked and untracked
# files, made anew for each subject), never on the checkout itself, so editing and testing may go on meanwhile.
# The tests run with the dev venv's Python (make venv); cosmic-ray itself lives in a venv of its own
# (requirements-quality-mutation.txt). Results: .cache/mutation/summary.txt and SUBJECT-survivors.txt (each surviving
# mutant's diff).
source "$(dirname "$0")/lib.sh"

# The file each subject mutates, and the unit tests that must kill its mutants.
declare -A SUBJECT_FILES=(
  [auth]="plugins/module_utils/auth.py"
  [apig_module]="plugins/module_utils/apig_module.py"
  [retries]="plugins/module_utils/retries.py"
  [signer]="plugins/module_utils/signer.py"
  [targets]="plugins/module_utils/targets.py"
  [gate_plan]="plugins/plugin_utils/gate_plan.py"
  [gate_records]="plugins/plugin_utils/gate_records.py"
  [gate_decision]="plugins/plugin_utils/gate_decision.py"
  [gate_report]="plugins/plugin_utils/gate_report.py"
)
declare -A SUBJECT_TESTS=(
  [auth]="tests/unit/plugins/module_utils/test_auth.py"
  [apig_module]="tests/unit/plugins/module_utils/test_apig_module.py"
  [retries]="tests/unit/plugins/module_utils/test_retries.py"
  [signer]="tests/unit/plugins/module_utils/test_signer.py"
  [targets]="tests/unit/plugins/module_utils/test_targets.py"
  [gate_plan]="tests/unit/plugins/plugin_utils/test_gate.py"
  [gate_records]="tests/unit/plugins/plugin_utils/test_gate.py"
  [gate_decision]="tests/unit/plugins/plugin_utils/test_gate.py"
  [gate_report]="tests/unit/plugins/plugin_utils/test_gate.py"
)
# Names that stand for several subjects.
declare -A SUBJECT_GROUPS=(
  [gate]="gate_plan gate_records gate_decision gate_report"
)
DEFAULT_SUBJECTS=(auth apig_module retries signer targets gate_plan gate_records gate_decision gate_report)
PER_MUTANT_TIMEOUT=${MUTATION_TIMEOUT:-180}

mode=resume
subjects=()
for arg in "$@"; do
  case $arg in
    --fresh) mode=fresh ;;
    --survivors) mode=survivors ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) if [ -n "${SUBJECT_GROUPS[$arg]:-}" ]; then
         read -ra group <<< "${SUBJECT_GROUPS[$arg]}"
         subjects+=("${group[@]}")
         continue
       fi
       [ -n "${SUBJECT_FILES[$arg]:-}" ] || { echo "no such subject $arg (SUBJECT_FILES, SUBJECT_GROUPS)" >&2; exit 2; }
       [ -n "${SUBJECT_TESTS[$arg]:-}" ] || { echo "no tests are named for subject $arg (SUBJECT_TESTS)" >&2; exit 2; }
       subjects+=("$arg") ;;
  esac
done
[ ${#subjects[@]} -gt 0 ] || subjects=("${DEFAULT_SUBJECTS[@]}")

DEV_PYTHON=$REPO/.venv/bin/python
[ -x "$DEV_PYTHON" ] || { echo "no dev venv: run make venv first" >&2; exit 1; }
venv=$(quality_venv mutation requirements-quality-mutation.txt "$(find_python 3.11)")
WORK=$REPO/.cache/mutation
SRC=$WORK/src
mkdir -p "$WORK"

copy_checkout() {
  rm -rf "$SRC"
  mkdir -p "$SRC"
  (cd "$REPO" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$SRC")
  mkdir -p "$SRC/.collections/ansible_collections/hwcloud"
  ln -sfn ../../.. "$SRC/.collections/ansible_collections/hwcloud/apig"
}

# The copy is what the tests import, through its own symlink tree.
export PYTHONPATH=$SRC/.collections:$SRC
export ANSIBLE_COLLECTIONS_PATH=$SRC/.collections
export ANSIBLE_PYTHON_INTERPRETER=$DEV_PYTHON
export HYPOTHESIS_PROFILE=ci

for subject in "${subjects[@]}"; do
  module=${SUBJECT_FILES[$subject]}
  read -ra tests <<< "${SUBJECT_TESTS[$subject]}"
  session=$WORK/$subject.sqlite
  config=$WORK/$subject.toml
  source_hash=$(sha256sum "$REPO/$module" | cut -c1-16)
  tests_hash=$(cd "$REPO" && cat "${tests[@]}" tests/conftest.py | sha256sum | cut -c1-16)
  cat > "$config" <<EOF
[cosmic-ray]
module-path = "$module"
timeout = $PER_MUTANT_TIMEOUT
excluded-modules = []
test-command = "$DEV_PYTHON -m pytest ${tests[*]} -x -q -p no:cacheprovider"

[cosmic-ray.distributor]
name = "local"
EOF
  old_source='' old_tests=''
  [ -f "$session.stamp" ] && read -r old_source old_tests < "$session.stamp"
  copy_checkout
  cd "$SRC" || exit 1
  if [ "$mode" = fresh ] || [ ! -f "$session" ] || [ "$old_source" != "$source_hash" ] \
     || { [ "$old_tests" != "$tests_hash" ] && [ "$mode" != survivors ]; }; then
    log "$subject: new session"
    rm -f "$session"
    "$venv/bin/cosmic-ray" init "$config" "$session"
  elif [ "$mode" = survivors ]; then
    log "$subject: testing the survivors again"
    "$venv/bin/python" "$REPO/.ci/quality/mutation_summary.py" --forget-survivors "$session"
  else
    log "$subject: carrying on with the session"
  fi
  echo "$source_hash $tests_hash" > "$session.stamp"
  log "$subject: baseline (the tests pass on the unmutated copy)"
  "$venv/bin/cosmic-ray" baseline "$config"
  log "$subject: $("$venv/bin/python" "$REPO/.ci/quality/mutation_summary.py" --pending "$session") mutants to test"
  "$venv/bin/cosmic-ray" exec "$config" "$session"
  cd "$REPO" || exit 1
done

rm -rf "$SRC"
sessions=()
for subject in "${DEFAULT_SUBJECTS[@]}"; do
  [ -f "$WORK/$subject.sqlite" ] && sessions+=("$WORK/$subject.sqlite")
done
"$venv/bin/python" "$REPO/.ci/quality/mutation_summary.py" --survivors-dir "$WORK" "${sessions[@]}" | tee "$WORK/summary.txt"
