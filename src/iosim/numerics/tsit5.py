"""Tsitouras 5(4): the tableau and its continuous extension (the kernel runs it with :mod:`iosim.numerics.explicit`).

The same shape as :mod:`iosim.numerics.dopri` (seven stages, the 5th-order solution is
stage 7's state and its slope the next step's first, FSAL), with Tsitouras' coefficients:
built on the first column simplifying assumption only, they have smaller principal
error coefficients than Dormand–Prince's, and their embedded error estimate lets the
controller take longer steps for the same tolerance. Unlike Dormand–Prince the solution
uses stage 2 (``A72 = 0.01``).

Coefficients: Tsitouras (2011), Comput. Math. Appl. 62:770-775, Table 1 (to double precision
as in OrdinaryDiffEq.jl's ``tsit_tableaus.jl``, which also gives the 4th-order continuous
extension ``b_i(th) = sum_m R_im th^m``). tests/numerics checks the order conditions.
"""

C2, C3, C4, C5 = 0.161, 0.327, 0.9, 0.9800255409045097
A21 = 0.161
A31, A32 = -0.008480655492356989, 0.335480655492357
A41, A42, A43 = 2.897153057105493, -6.359448489975075, 4.3622954328695815
A51, A52, A53, A54 = 5.325864828439257, -11.748883564062828, 7.4955393428898365, -0.09249506636175525
A61, A62, A63 = 5.86145544294642, -12.92096931784711, 8.159367898576159
A64, A65 = -0.071584973281401, -0.028269050394068383
#: Stage 7 is the 5th-order solution (the weights B_j).
A71, A72, A73 = 0.09646076681806523, 0.01, 0.4798896504144996
A74, A75, A76 = 1.379008574103742, -3.290069515436081, 2.324710524099774
#: 5th- minus embedded 4th-order weights.
E1, E2, E3 = -0.00178001105222577714, -0.0008164344596567469, 0.007880878010261995
E4, E5, E6, E7 = -0.1447110071732629, 0.5823571654525552, -0.45808210592918697, 1.0 / 66.0
#: Continuous extension: b_1(th) = R11 th + R12 th^2 + R13 th^3 + R14 th^4; b_i(th) for i > 1 from th^2.
R11, R12, R13, R14 = 1.0, -2.763706197274826, 2.9132554618219126, -1.0530884977290216
R22, R23, R24 = 0.13169999999999998, -0.2234, 0.1017
R32, R33, R34 = 3.9302962368947516, -5.941033872131505, 2.490627285651253
R42, R43, R44 = -12.411077166933676, 30.33818863028232, -16.548102889244902
R52, R53, R54 = 37.50931341651104, -88.1789048947664, 47.37952196281928
R62, R63, R64 = -27.896526289197286, 65.09189467479366, -34.87065786149661
R72, R73, R74 = 1.5, -4.0, 2.5
#: Order of the embedded error estimate (the step controller's exponent is -1/(ORDER + 1)).
ORDER = 4.0
