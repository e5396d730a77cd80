"""Execution backends: Qiskit Aer, Cirq, IBM runtime (fake backends offline), numpy reference."""
