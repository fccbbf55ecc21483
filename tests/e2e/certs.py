"""Test certificates: expired, soon-expiring, wrong names, mismatched keys."""
import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID


def make(path_prefix, names, days_from=-1, days_to=365, key_type="ec", key_format="pkcs8", addresses=()):
    """Writes PREFIX.crt and PREFIX.key (DNS SANs `names`, IP SANs `addresses`); returns both paths."""
    import ipaddress
    key = ec.generate_private_key(ec.SECP256R1()) if key_type == "ec" else rsa.generate_private_key(65537, 2048)
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days_from))
            .not_valid_after(now + datetime.timedelta(days=days_to))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]
                                                       + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]), critical=False)
            .sign(key, hashes.SHA256()))
    formats = {"pkcs8": serialization.PrivateFormat.PKCS8, "traditional": serialization.PrivateFormat.TraditionalOpenSSL}
    crt = f"{path_prefix}.crt"
    keyfile = f"{path_prefix}.key"
    with open(crt, "wb") as handle:
        handle.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(keyfile, "wb") as handle:
        handle.write(key.private_bytes(serialization.Encoding.PEM, formats[key_format], serialization.NoEncryption()))
    return crt, keyfile


ALL_NAMES = ["cache-registry-svc", "cache-registry-svc.kubiya", "cache-registry-svc.kubiya.svc",
             "cache-registry-svc.kubiya.svc.cluster.local"]
