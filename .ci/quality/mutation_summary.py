# Copyright: hwcloud.apig contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read cosmic-ray session files (.ci/quality/mutation.sh): a killed/total table, and each survivor's diff.

  mutation_summary.py [--survivors-dir DIR] SESSION.sqlite...   the table; DIR/SUBJECT-survivors.txt with the diffs
  mutation_summary.py --pending SESSION.sqlite                  how many mutants have no verdict yet
  mutation_summary.py --forget-survivors SESSION.sqlite         drop the survivors' verdicts, so exec tests them again

Standard library only (cosmic-ray's own venv runs it). A mutant whose tests ran out of time counts as killed (as
cosmic-ray counts it) and is shown apart; "incompetent" is a mutant that could not be run at all.
"""

import argparse
import os
import sqlite3
import sys


def _rows(session):
    with sqlite3.connect(session) as db:
        return db.execute(
            "SELECT s.module_path, s.start_pos_row, s.start_pos_col, s.operator_name, s.occurrence,"
            " r.test_outcome, r.worker_outcome, r.output, r.diff"
            " FROM mutation_specs s LEFT JOIN work_results r ON r.job_id = s.job_id"
            " ORDER BY s.start_pos_row, s.start_pos_col, s.operator_name"
        ).fetchall()


def _outcome(row):
    test_outcome, worker_outcome, output = row[5], row[6], row[7]
    if test_outcome is None and worker_outcome is None:
        return "pending"
    if (test_outcome or "").lower() == "killed":
        return "timeout" if output == "timeout" else "killed"
    if (test_outcome or "").lower() == "survived":
        return "survived"
    return "incompetent"


def summarise(sessions, survivors_dir):
    header = "%-16s %7s %7s %8s %8s %11s %7s" % (
        "file",
        "mutants",
        "killed",
        "(timeout)",
        "survived",
        "incompetent",
        "pending",
    )
    print(header)
    for session in sessions:
        rows = _rows(session)
        counts = {"killed": 0, "timeout": 0, "survived": 0, "incompetent": 0, "pending": 0}
        survivors = []
        for row in rows:
            outcome = _outcome(row)
            counts[outcome] += 1
            if outcome == "survived":
                survivors.append(row)
        name = os.path.basename(rows[0][0]) if rows else os.path.basename(session)
        print(
            "%-16s %7d %7d %8d %8d %11d %7d"
            % (
                name,
                len(rows),
                counts["killed"] + counts["timeout"],
                counts["timeout"],
                counts["survived"],
                counts["incompetent"],
                counts["pending"],
            )
        )
        if survivors_dir:
            subject = os.path.splitext(os.path.basename(session))[0]
            with open(os.path.join(survivors_dir, "%s-survivors.txt" % subject), "w") as out:
                for row in survivors:
                    out.write("### %s:%d:%d %s #%d\n" % (row[0], row[1], row[2] + 1, row[3], row[4]))
                    out.write((row[8] or "").rstrip("\n") + "\n\n")


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--survivors-dir")
    parser.add_argument("--pending", action="store_true")
    parser.add_argument("--forget-survivors", action="store_true")
    parser.add_argument("sessions", nargs="+")
    args = parser.parse_args(argv)
    if args.pending:
        print(sum(1 for row in _rows(args.sessions[0]) if _outcome(row) == "pending"))
    elif args.forget_survivors:
        for session in args.sessions:
            with sqlite3.connect(session) as db:
                db.execute("DELETE FROM work_results WHERE lower(test_outcome) = 'survived'")
    else:
        summarise(args.sessions, args.survivors_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
