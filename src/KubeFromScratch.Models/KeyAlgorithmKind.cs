namespace KubeFromScratch;

/// <summary>
/// The kind and size of a generated key. RSA sizes start at 2048 bits because Kubernetes, Go's TLS stack and
/// current guidance all refuse smaller keys; naming the size in the value keeps a too-small key unrepresentable.
/// </summary>
public enum KeyAlgorithmKind
{
    /// <summary>ECDSA on NIST P-256 (secp256r1), the default: small, fast, accepted everywhere Kubernetes runs.</summary>
    EcdsaP256 = 0,

    /// <summary>ECDSA on NIST P-384 (secp384r1).</summary>
    EcdsaP384,

    /// <summary>RSA, 2048-bit modulus (what kubeadm uses by default).</summary>
    Rsa2048,

    /// <summary>RSA, 3072-bit modulus.</summary>
    Rsa3072,

    /// <summary>RSA, 4096-bit modulus.</summary>
    Rsa4096,
}
