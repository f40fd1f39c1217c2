package org.modelserver.server.security;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

/** Guards the REST repository (management) endpoints with {@link ManagementAccess}. */
@Configuration(proxyBeanMethods = false)
public class ManagementFilter {

  @Bean
  FilterRegistrationBean<OncePerRequestFilter> managementGuard(ManagementAccess access) {
    OncePerRequestFilter filter =
        new OncePerRequestFilter() {
          @Override
          protected void doFilterInternal(
              HttpServletRequest request, HttpServletResponse response, FilterChain chain)
              throws ServletException, IOException {
            Optional<ManagementAccess.Denial> denial =
                access.check(request.getRemoteAddr(), request.getHeader("Authorization"));
            if (denial.isEmpty()) {
              chain.doFilter(request, response);
              return;
            }
            boolean unauthenticated = denial.get() == ManagementAccess.Denial.UNAUTHENTICATED;
            response.setStatus(unauthenticated ? 401 : 403);
            if (unauthenticated) {
              response.setHeader("WWW-Authenticate", "Bearer");
            }
            response.setContentType("application/json");
            response.setCharacterEncoding(StandardCharsets.UTF_8.name());
            response
                .getWriter()
                .write("{\"error\":\"" + ManagementAccess.message(denial.get()) + "\"}");
          }
        };
    FilterRegistrationBean<OncePerRequestFilter> registration =
        new FilterRegistrationBean<>(filter);
    registration.addUrlPatterns("/v2/repository/*");
    registration.setName("managementGuard");
    return registration;
  }
}
