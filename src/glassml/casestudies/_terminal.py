"""The terminal face of the case studies: a progress display and the closing summary table."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from rich.console import Console
from rich.table import Table

from glassml.casestudies._runner import CaseStudyFailure, CaseStudyResult, get_study
from glassml.casestudies._study import ProgressEvent
from glassml.casestudies.report._blocks import format_value


@contextmanager
def progress_display(console: Console) -> Iterator[Callable[[ProgressEvent], None]]:
    """A rich progress bar per study on a terminal; one plain line per step elsewhere."""
    if not console.is_terminal:

        def plain(event: ProgressEvent) -> None:
            if event.done:
                console.print(
                    f"{event.study:<15} {event.index}/{event.total}  {event.step}"
                    f"  done in {event.seconds:.1f} s",
                    soft_wrap=True,
                )

        yield plain
        return

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[bold]{task.fields[study]:<15}"),
        BarColumn(bar_width=24),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
    ) as bar:
        tasks: dict[str, int] = {}

        def rich_event(event: ProgressEvent) -> None:
            if event.study not in tasks:
                tasks[event.study] = bar.add_task(event.step, total=event.total, study=event.study)
            task = tasks[event.study]
            if event.done:
                bar.update(task, completed=event.index, description=event.step)
            else:
                bar.update(task, completed=event.index - 1, description=f"{event.step}…")

        yield rich_event


def summary_table(outcomes: Sequence[CaseStudyResult | CaseStudyFailure]) -> Table:
    table = Table(title="Case studies")
    table.add_column("study")
    table.add_column("status")
    table.add_column("headline")
    table.add_column("time", justify="right")
    table.add_column("report")
    for outcome in outcomes:
        if isinstance(outcome, CaseStudyFailure):
            table.add_row(
                outcome.name, "[red]failed", outcome.error, f"{outcome.runtime_s:.0f} s", ""
            )
            continue
        study = get_study(outcome.name)
        headline = ", ".join(
            f"{h.label} {format_value(outcome.metrics[h.key], h.spec)}" for h in study.headline
        )
        table.add_row(
            outcome.name,
            "[green]ok",
            headline,
            f"{outcome.runtime_s:.0f} s",
            str(outcome.report_path),
        )
    return table
