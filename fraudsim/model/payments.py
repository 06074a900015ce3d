"""Victims paying in installments, and everything that can stop them.

A hooked victim pays her planned installments at pre-drawn times. Each
remaining installment is prevented as soon as one of the stoppers acts: she
realises and stops on her own, an early-warning call dissuades her, the
police guide her on the phone, a patrol arrives, or a protective hold is put
on her account. A large transfer under a delayed-credit rule reaches the
mule only after the delay, and a report before then recalls it.
"""

from __future__ import annotations

from typing import Any, Final

from librt.vecs import append

from fraudsim.model.accounts import Account
from fraudsim.model.cases import Case
from fraudsim.model.kernel import Call, Clock, Dispatcher
from fraudsim.model.network import Logger, Network
from fraudsim.scenario.schema import Scenario

_INSTALLMENT: Final = 0
_REPORT: Final = 1
_RISK_HOLD: Final = 2
_DELAYED_CREDIT: Final = 3
_NOTHING: Final = 4


class Payments(Dispatcher):
    """Schedules and executes victims' payments.

    Args:
        scenario: The validated scenario.
        clock: The simulation clock.
        network: The mule network receiving the money.
        log: Event logger for traced cases.

    Attributes:
        on_paid: Run with the case when she has made a payment (to the last
            of her ``l1_accounts``).
        on_report: Run with the case when she reports, having paid.
        on_flag: Scheduled with the case at her ``warning_min``, if the risk
            model flags her.

        The response and the warning team set these to calls of their own
        (:class:`~fraudsim.model.kernel.Call`), which a compiled build runs
        natively; until then they do nothing.
    """

    def __init__(self, scenario: Scenario, clock: Clock, network: Network, log: Logger) -> None:
        self.clock = clock
        self.network = network
        self.log = log
        # The delayed-credit rule as plain fields (checked at every payment):
        # the smallest payment it delays, or None when the rule is off.
        rule = scenario.mule_network.delayed_credit
        self._delay_from_fen: int | None = rule.threshold_fen if rule.enabled else None
        self._delay_min = rule.delay_min
        nothing = Call(self, _NOTHING, "nothing")
        self.on_paid = nothing
        self.on_report = nothing
        self.on_flag = nothing
        # Handlers made once (see Network), run through dispatch.
        self._installment_handler = Call(self, _INSTALLMENT, "_on_installment")
        self._report_handler = Call(self, _REPORT, "_on_report")
        self._risk_hold_handler = Call(self, _RISK_HOLD, "_on_risk_hold")
        self._delayed_credit_handler = Call(self, _DELAYED_CREDIT, "_on_delayed_credit")

    def dispatch(self, code: int, payload: Any) -> None:
        """Run a happening of a case's payments the clock calls (see ``kernel.Dispatcher``)."""
        if code == _INSTALLMENT:
            self._on_installment(payload)
        elif code == _REPORT:
            self._on_report(payload)
        elif code == _RISK_HOLD:
            self._on_risk_hold(payload)
        elif code == _DELAYED_CREDIT:
            self._on_delayed_credit(payload)
        # _NOTHING: a callback nobody has set

    def admit(self, case: Case) -> None:
        """Plan a new case's exogenous events: payments, report, warning, hold."""
        clock = self.clock
        clock.at(case.first_pay_min, self._installment_handler, case)
        if case.reports:
            clock.at(case.realise_min + case.report_lag_min, self._report_handler, case)
        if case.flagged:
            clock.at(case.warning_min, self.on_flag, case)
        if case.risk_hold_min == case.risk_hold_min:  # not NaN
            clock.at(case.risk_hold_min, self._risk_hold_handler, case)
        if case.traced:
            self.log(self.clock.now, case, "contact", -1, case.exposed_fen,
                     "scam contact; planned exposure")

    def halt(self, case: Case, by: str, when: float) -> None:
        """Prevent every remaining installment of ``case``, crediting ``by``.

        A victim who stops on her own is credited instead when she had
        already realised (``when`` at or after ``realise_min``) after paying
        once: she would have paid no more anyway.
        """
        remaining = case.remaining_fen()
        if remaining == 0:
            return
        if case.self_stop and case.next_i > 0 and when >= case.realise_min:
            # She had already stopped on her own, at realising: her next
            # installment would have found that out (see _on_installment),
            # so whoever acts after it saves nothing she had not kept.
            by = "self"
            when = case.realise_min
        case.add_prevented(by, remaining)
        case.next_i = case.n_pay
        case.halted_by = by
        case.halted_min = when
        if case.traced:
            # At when she stopped paying: for a victim who had stopped on her
            # own, when she realised, found out only now.
            self.log(when, case, "prevented", -1, remaining, f"remaining payments stopped by {by}")

    def _on_installment(self, case: Case) -> None:
        i = case.next_i
        if i >= case.n_pay:
            return
        now = self.clock.now
        # Realisation is timed from the first payment, so only later ones can be saved by it.
        if i > 0 and case.self_stop and now >= case.realise_min:
            self.halt(case, "self", case.realise_min)
            return
        fen = case.plan_fen[case.plan_lo + i]
        case.next_i = i + 1
        case.paid_fen += fen
        case.last_pay_min = now
        account = self.network.first_layer_account(case)
        acct = account.id
        case.l1_accounts = append(case.l1_accounts, acct)  # its own buffer (see lots.NO_IDS)
        if case.traced:
            self.log(now, case, "payment", acct, fen, f"installment {i + 1} of {case.n_pay}")
            self.network.trace.paid(acct, fen)
        delay_from = self._delay_from_fen
        if delay_from is not None and fen >= delay_from:
            case.in_transit_fen += fen
            self.clock.after(self._delay_min, self._delayed_credit_handler, (case, account, fen))
        else:
            self.network.credit(account, case.id, fen)
        self.on_paid.run(case)
        if i + 1 < case.n_pay:
            self.clock.at(case.plan_min[case.plan_lo + i + 1], self._installment_handler, case)

    def _on_delayed_credit(self, credit: tuple[Case, Account, int]) -> None:
        case, account, fen = credit
        case.in_transit_fen -= fen
        if case.recall_open:
            case.paid_fen -= fen
            case.add_prevented("recall", fen)
            if case.traced:
                detail = "delayed credit recalled after the report"
                self.log(self.clock.now, case, "recall", account.id, fen, detail)
            return
        self.network.credit(account, case.id, fen)

    def _on_report(self, case: Case) -> None:
        if len(case.l1_accounts) == 0:
            # Dissuaded before her first payment: she lost nothing and has
            # nothing to report.
            return
        case.report_min = self.clock.now
        if case.traced:
            self.log(self.clock.now, case, "report", -1, case.paid_fen,
                     "victim calls the police")
        self.on_report.run(case)

    def _on_risk_hold(self, case: Case) -> None:
        if case.next_i < case.n_pay:
            case.hold_min = self.clock.now
            self.halt(case, "hold", self.clock.now)
