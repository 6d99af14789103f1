"""Disembarkation: places of safety, ranked options for a case, recorded outcomes, IOM Missing Migrants
import, and the RSO's practice analytics.

IMO MSC.167(78) (Guidelines on the treatment of persons rescued at sea), para 2.5, and the 1979 SAR
Convention, Annex para 3.1.9 (as amended 2004): the Government responsible for the SAR region in which
survivors were recovered is responsible for providing a place of safety or ensuring that one is provided.
A rescuing ship is only a temporary place of safety (MSC.167(78) para 6.12-6.14).

Layout: pure logic (``model``, ``outcomes``, ``ranking``, ``practices``) takes and returns frozen
dataclasses; adapters (``sea_routes``, ``register``, ``store``, ``iom``, ``queries``, ``cli``) do I/O.
People rescued are only ever counts.
"""
