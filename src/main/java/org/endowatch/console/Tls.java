package org.endowatch.console;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.KeyStoreException;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * HTTPS for the console. Beyond this machine the token and the patient video would otherwise cross
 * the unit's network in clear, readable by anyone on it; a TLS-terminating proxy in front does the
 * same job where one exists (an ingress), this is for where none does.
 */
public final class Tls {
  private Tls() {}

  /**
   * A server context for the private key and certificate chain in {@code keystore} (PKCS12, as
   * {@code keytool -genkeypair -storetype PKCS12} writes, or JKS), whose store and key share
   * {@code password}. Fails with one line saying what is wrong with the file and what to give.
   */
  public static SSLContext serverContext(Path keystore, char[] password) {
    String what = "--tls-keystore " + keystore;
    if (!Files.isRegularFile(keystore) || !Files.isReadable(keystore)) {
      throw new IllegalArgumentException(what + ": no readable file there; give a PKCS12 keystore with the console's key "
          + "and certificate (keytool -genkeypair -storetype PKCS12 ...)");
    }
    KeyStore ks;
    try {
      ks = KeyStore.getInstance(keystore.toFile(), password);
    } catch (Exception e) {
      throw new IllegalArgumentException(what + ": cannot open it (" + e.getMessage() + "): is --tls-password "
          + "(or ENDOWATCH_CONSOLE_TLS_PASSWORD) right, and is it a PKCS12 or JKS keystore?");
    }
    if (!hasPrivateKey(ks)) {
      throw new IllegalArgumentException(what + ": holds no private key, only certificates; the console needs its own "
          + "key and certificate (keytool -genkeypair), not a trust store");
    }
    try {
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, password);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(what + ": its key cannot be read with the keystore's password (" + e.getMessage()
          + "); give a keystore whose key has the same password as the store, as PKCS12 does");
    }
  }

  private static boolean hasPrivateKey(KeyStore ks) {
    try {
      for (String alias : Collections.list(ks.aliases())) {
        if (ks.isKeyEntry(alias)) {
          return true;
        }
      }
      return false;
    } catch (KeyStoreException notLoaded) {
      return false;   // cannot happen for a store just loaded
    }
  }
}
