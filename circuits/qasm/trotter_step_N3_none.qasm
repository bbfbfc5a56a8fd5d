// qbcircuit Trotter step: N=3, dephasing=none, Strang, dt=0.1, F=1 g=0.5 gamma=1 dC=0.2 dB=0.1, seed 0
// written by qiskit 1.3.0
OPENQASM 3.0;
include "stdgates.inc";
gate sxdg _gate_q_0 {
  s _gate_q_0;
  h _gate_q_0;
  s _gate_q_0;
}
gate xx_plus_yy(p0, p1) _gate_q_0, _gate_q_1 {
  rz(p1) _gate_q_0;
  rz(-pi/2) _gate_q_1;
  sx _gate_q_1;
  rz(pi/2) _gate_q_1;
  s _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  ry(-p0/2) _gate_q_1;
  ry(-p0/2) _gate_q_0;
  cx _gate_q_1, _gate_q_0;
  sdg _gate_q_0;
  rz(-pi/2) _gate_q_1;
  sxdg _gate_q_1;
  rz(pi/2) _gate_q_1;
  rz(-p1) _gate_q_0;
}
qubit[4] q;
rx(0.1) q[0];
rz(-0.010000000000000002) q[0];
xx_plus_yy(0.05, 0) q[0], q[1];
xx_plus_yy(0.05, 0) q[0], q[2];
xx_plus_yy(0.05, 0) q[0], q[3];
rz(-0.005000000000000001) q[1];
rz(-0.005000000000000001) q[2];
rz(-0.005000000000000001) q[3];
rz(-0.005000000000000001) q[3];
rz(-0.005000000000000001) q[2];
rz(-0.005000000000000001) q[1];
xx_plus_yy(0.05, 0) q[0], q[3];
xx_plus_yy(0.05, 0) q[0], q[2];
xx_plus_yy(0.05, 0) q[0], q[1];
rz(-0.010000000000000002) q[0];
rx(0.1) q[0];
