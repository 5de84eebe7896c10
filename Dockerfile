# One image for every subcommand: docker run endowatch <subcommand> ...
# (GPU variant, natives pre-fetch and hardening come with the deployment issue.)
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -q dependency:go-offline
COPY src src
COPY topics topics
RUN mvn -B -q package -DskipTests

FROM eclipse-temurin:17-jre
COPY --from=build /src/target/endowatch.jar /app/endowatch.jar
ENTRYPOINT ["java", "-jar", "/app/endowatch.jar"]
