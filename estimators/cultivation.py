"""Magic-state cultivation (Gidney, Shutty, Jones, "Magic state cultivation: growing T states as
cheap as CNOT gates", arXiv:2409.17595, 2024): a T state is grown inside one surface-code patch
(a colour-code stage of distance d_color, then a d_surface = 15 surface code) and kept only when
every check passes; discarded attempts are retried.

The paper's abstract: "logical error rates as low as 2·10⁻⁹ when subjected to 10⁻³ uniform
depolarizing circuit noise. Halving the circuit noise to 5·10⁻⁴ improves the achievable logical
error rate to 4·10⁻¹¹" (the paper body was not reachable here; only the abstract was read).

Data (``POINTS``): the authors' Monte-Carlo statistics (Zenodo doi:10.5281/zenodo.13777072), as
reduced by Microsoft's ``GSJ24Factory`` (qdk 1.33.1, ``qdk/qre/models/factories/_cultivation.py``,
github.com/microsoft/qdk @ 35e3df0467cb8248fc02d062117b5555cd1053ab, byte-identical to the
release): decoder "desaturation", circuit "end2end-inplace-distillation", uniform noise; error per
T = 2 × the simulated S-basis error per kept shot; ``volume`` = expected qubit·rounds per kept
state (retries included); the points are a Pareto set (error vs volume, thinned at 0.9×).
Transcribed programmatically from that module; tests compare against it when qdk is installed.
Each entry is (error per T state, physical qubits, volume in qubit·rounds).

Timing: qmlc counts one round as one code cycle, so a state takes volume/qubits code cycles on
average (qdk counts 4 CNOT layers per round and no measurement time).

Valid range: the data exist at p ∈ {5e-4, 1e-3, 2e-3}; at another p the next larger tabulated p
is used, which overstates the error (a noisier circuit). Above 2e-3: no data.
"""

from __future__ import annotations

import numpy as np

from qmlc.estimators.factories import FactoryDesigns

CITATION = ("Gidney, Shutty, Jones arXiv:2409.17595 (2024); data: Zenodo 10.5281/zenodo.13777072 "
            "as reduced in Microsoft qdk 1.33.1 GSJ24Factory")

POINTS = {
    0.0005: {
        (3, 15): (
            (2.9973593146121454e-07, 454, 4433.630050313343),
            (3.9483871833384884e-07, 454, 3963.1083605426047),
            (8.243994277120638e-07, 454, 3564.499596930529),
            (1.292533506995642e-05, 454, 3199.812603871103),
        ),
        (5, 15): (
            (4.325222592210133e-11, 463, 18963.460657305823),
            (5.029777185838997e-11, 463, 14701.668294938665),
            (5.976200770910425e-11, 463, 13100.99605086575),
            (2.1473703555519034e-10, 463, 11768.635135540251),
            (4.992706545478968e-10, 463, 10423.795388030996),
            (1.0628008992770944e-09, 463, 9227.194331685558),
            (1.147511919182804e-08, 463, 8214.104892130046),
            (3.194642984285564e-08, 463, 7375.755270727277),
        ),
    },
    0.001: {
        (3, 15): (
            (2.652826930675648e-06, 454, 8070.606179632966),
            (2.9755933597311195e-06, 454, 7067.132487830089),
            (3.3574635945939254e-06, 454, 6284.105524329454),
            (4.14698465838952e-06, 454, 5572.013837117182),
            (6.805514929263812e-06, 454, 4948.483284091285),
            (2.9308873206642093e-05, 454, 4291.075883865169),
            (6.425491255432556e-05, 454, 3861.3125109633347),
            (0.0006441468000838591, 454, 3466.8965131924924),
        ),
        (5, 15): (
            (7.885200415876903e-10, 463, 127164.3639761698),
            (9.484121471230475e-10, 463, 101966.74031969943),
            (1.366706735546955e-09, 463, 88163.33566758082),
            (1.6414883261014871e-09, 463, 75634.9355950081),
            (2.1231620948839324e-09, 463, 57066.94042309941),
            (2.7025320732488425e-09, 463, 51274.875954425035),
            (5.927193917808693e-09, 463, 44459.37605622456),
            (9.96666522298153e-09, 463, 37819.312343872756),
            (1.3094044583206633e-08, 463, 32487.26462193073),
            (3.2242219813174955e-08, 463, 28807.1580608257),
            (6.869319538705312e-08, 463, 25913.75133805069),
            (9.098034600043679e-08, 463, 23124.302662208655),
            (1.4186675692747566e-07, 463, 20704.800496362262),
            (2.0609462073340207e-07, 463, 18536.983107361142),
            (2.978734256336741e-07, 463, 16619.252015567916),
            (6.861969312896777e-07, 463, 14668.00319753873),
            (3.596202802726852e-06, 463, 13144.278450583368),
        ),
    },
    0.002: {
        (3, 15): (
            (2.4910941050344295e-05, 454, 37284.10300576104),
            (2.761905460971352e-05, 454, 29792.666977290326),
            (2.998068211949661e-05, 454, 26749.307666753448),
            (3.420819333029743e-05, 454, 22236.378828005407),
            (4.191389985476303e-05, 454, 18698.170346155115),
            (4.98420957665537e-05, 454, 16332.448762359943),
            (6.0843462706063846e-05, 454, 14529.582827180458),
            (7.4722791321815e-05, 454, 13011.901619517843),
            (0.00010604029641121001, 454, 11147.327513336535),
            (0.0001897094496473116, 454, 9618.474016585498),
            (0.00028102936251604493, 454, 8309.685206518456),
            (0.0004014066268503485, 454, 7249.0561048705085),
            (0.0006279323413052242, 454, 6396.40476692938),
            (0.001031660798536612, 454, 5745.904210463877),
            (0.0021742383334305182, 454, 5035.257409573139),
            (0.0062359457977829574, 454, 4524.1137004324555),
        ),
        (5, 15): (
            (1.0439441504494727e-07, 463, 2657933.624901944),
            (1.519092236052502e-07, 463, 1933842.1177957687),
            (1.923379423808738e-07, 463, 1632339.8276892796),
            (3.2124499138902803e-07, 463, 1363176.1559859414),
            (4.582418310317106e-07, 463, 1166706.447381707),
            (5.112861803062121e-07, 463, 1001353.8412128607),
            (6.135995964696343e-07, 463, 867919.460900446),
            (8.264697950313585e-07, 463, 779345.6004873333),
            (9.862797392621568e-07, 463, 697532.5477090707),
            (1.4605751471361379e-06, 463, 590269.3369238179),
            (1.7050689627256938e-06, 463, 456967.39083761314),
            (2.0612388049832663e-06, 463, 391643.00823967945),
            (2.4994358324709424e-06, 463, 326342.9586161042),
            (3.2153686389598566e-06, 463, 272882.93849394773),
            (4.517133819097825e-06, 463, 233757.05119250793),
            (6.302800575499024e-06, 463, 205733.88608882687),
            (8.296938495749044e-06, 463, 177964.7619389076),
            (1.1180919189933176e-05, 463, 150619.97481794056),
            (1.666969413076334e-05, 463, 130630.55920028445),
            (2.4912272860029657e-05, 463, 116232.14818145634),
            (4.175232964826617e-05, 463, 102018.71759015942),
            (6.92162424823325e-05, 463, 91661.28628952683),
            (0.00016412344615470247, 463, 81017.98096879711),
            (0.0005018430993482565, 463, 72707.05555154958),
            (0.0050634348954634, 463, 65406.324298290776),
        ),
    },
}


def tabulated_rate(p: float) -> float | None:
    """The smallest tabulated physical error rate ≥ p (None above the table)."""
    rates = sorted(POINTS)
    return next((r for r in rates if r >= p), None)


def cultivation_designs(p: float) -> FactoryDesigns | None:
    """One patch per design: every tabulated point at the bucket of p (None above 2e-3)."""
    bucket = tabulated_rate(p)
    if bucket is None:
        return None
    rows = [(dc, ds, e, q, v) for (dc, ds), pts in POINTS[bucket].items() for e, q, v in pts]
    dc, ds, err, qubits, volume = (np.array(x, dtype=float) for x in zip(*rows, strict=True))
    return FactoryDesigns(family="cultivation", qubits=qubits, cycles=volume / qubits,
                          outputs=np.ones(len(err)), error=err,
                          detail=np.column_stack([dc, ds, err, np.full(len(err), bucket)]),
                          namer=point_name)


def point_name(detail) -> str:
    """Name of a cultivation point from (d_color, d_surface, error, tabulated p)."""
    return (f"cultivation(d_color={int(detail[0])}, d_surface={int(detail[1])}, "
            f"p_table={detail[3]:g}, error {detail[2]:.2g})")


__all__ = ["CITATION", "POINTS", "cultivation_designs", "tabulated_rate"]
